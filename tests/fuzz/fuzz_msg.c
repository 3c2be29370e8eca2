/*
 * libFuzzer harness for the message decoder: any bytes, read as a header
 * and a payload, either decode into a message of the type the header
 * names or are refused with a reason; never a crash or a leak. The first
 * byte picks the channel's limit (client or internal) and whether the
 * version is forced right, so that the fuzzer reaches the unpacking.
 */
#include <stdint.h>
#include <string.h>

#include "chan.h"
#include "kbd-protocol.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msg_hdr	hdr;
	struct msg	m;
	char		err[256];
	uint32_t	max;

	if (size < 1 + sizeof(hdr))
		return 0;
	max = data[0] & 1 ? MSG_MAX_CLIENT : MSG_MAX_INTERNAL;
	memcpy(&hdr, data + 1, sizeof(hdr));
	if (data[0] & 2)
		hdr.version = KBD_PROTO_VERSION;
	data += 1 + sizeof(hdr);
	size -= 1 + sizeof(hdr);
	/* A real receiver never hands over fewer bytes than len says. */
	if (hdr.len > size)
		hdr.len = (uint32_t)size;
	memset(&m, 0, sizeof(m));
	if (msg_decode(&hdr, data, max, &m, err, sizeof(err)) == 0)
		msg_free(&m);
	return 0;
}
