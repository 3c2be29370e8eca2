/*
 * Message channels: framing, validation and fd passing for every socket kbd
 * speaks on. A channel queues outgoing messages (with the fds they carry)
 * until the socket takes them, so an event loop never blocks on a slow
 * peer; children, which have nothing else to do, use the blocking calls.
 *
 * Library-like: functions return 0 or -1 with errno set and never exit.
 */
#ifndef KBD_CHAN_H
#define KBD_CHAN_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>

#include "kbd-protocol.h"

/* A received message: owned by whoever dispatches it (see msg_free). */
struct msg {
	uint32_t		 type;
	ProtobufCMessage	*pb;
	int			 fds[MSG_MAX_FDS];
	int			 nfds;
};

struct chan_out;

struct chan {
	int		 fd;
	int		 stream;	/* SOCK_STREAM (client) or SOCK_SEQPACKET */
	uint32_t	 max_payload;
	struct chan_out	*head, *tail;
	size_t		 queued;	/* bytes waiting to be written */
	/* stream input */
	uint8_t		*ibuf;
	size_t		 ilen, icap;
	int		 ifds[MSG_MAX_FDS * 4];
	int		 nifds;
	char		 error[128];	/* why the last chan_get/recv failed */
};

/* The protobuf-c descriptor of a message type, NULL when unknown. */
const ProtobufCMessageDescriptor *msg_descriptor(uint32_t type);
const char	*msg_type_name(uint32_t type);

void	 chan_init(struct chan *, int fd, int stream, uint32_t max_payload);
/* Frees queued output and received input, closes fds not yet handed out. */
void	 chan_clear(struct chan *);

/*
 * Queue a message. The channel takes ownership of the fds (closes them once
 * sent or cleared), whether or not the call succeeds.
 */
int	 chan_compose(struct chan *, uint32_t type, const ProtobufCMessage *,
	    const int *fds, int nfds);
/* Write queued messages without blocking: 0 all sent, 1 more pending, -1 error. */
int	 chan_flush(struct chan *);

/*
 * Stream input: read what is available (returns bytes read, 0 on EOF, -1 on
 * error; EAGAIN is an error the caller checks), then take whole messages
 * with chan_get: 1 a message, 0 none complete yet, -1 malformed (chan->error).
 */
ssize_t	 chan_read(struct chan *);
int	 chan_get(struct chan *, struct msg *);

/*
 * Packet input: one SEQPACKET packet. flags as for recvmsg (MSG_DONTWAIT).
 * 1 a message, 0 EOF, -1 error (errno; EPROTO for a malformed packet, with
 * the reason in chan->error).
 */
int	 chan_recv(struct chan *, struct msg *, int flags);

/* Blocking send of one message, for children on their SEQPACKET channel. */
int	 chan_send(struct chan *, uint32_t type, const ProtobufCMessage *,
	    const int *fds, int nfds);

/*
 * A log sink for a child (common/log.h's log_setsink, arg a struct chan *):
 * the line travels to the supervisor as MSG_LOG.
 */
int	 chan_log_sink(int level, const char *text, void *chan);

/* Unpack-and-check helper used by receivers: validates header and payload. */
int	 msg_decode(const struct msg_hdr *, const uint8_t *payload,
	    uint32_t max_payload, struct msg *, char *err, size_t errlen);

/* Free the payload and close every fd still in m->fds (set to -1 to keep). */
void	 msg_free(struct msg *);
/* Take fd i out of the message: the caller now owns it. */
int	 msg_take_fd(struct msg *, int i);

#endif /* KBD_CHAN_H */
