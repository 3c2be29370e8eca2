/*
 * Unit tests of the message framing in proto/chan.c over real socket
 * pairs: round trips with fds on SEQPACKET, queued nonblocking output,
 * stream reassembly, and rejection of every kind of malformed input. Bad
 * packets are built by hand with send()/write().
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include "chan.h"
#include "kbd.pb-c.h"

struct pair {
	int		sv[2];
	struct chan	a, b;	/* a writes, b reads */
};

static void
pair_open(struct pair *p, int type, uint32_t max_payload)
{
	assert_int_equal(socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, p->sv),
	    0);
	chan_init(&p->a, p->sv[0], type == SOCK_STREAM, max_payload);
	chan_init(&p->b, p->sv[1], type == SOCK_STREAM, max_payload);
}

static void
pair_close(struct pair *p)
{
	chan_clear(&p->a);
	chan_clear(&p->b);
	close(p->sv[0]);
	close(p->sv[1]);
}

static void
set_nonblock(int fd)
{
	int	fl;

	assert_true((fl = fcntl(fd, F_GETFL)) != -1);
	assert_int_equal(fcntl(fd, F_SETFL, fl | O_NONBLOCK), 0);
}

/* A header and payload, written in one send(). */
static void
send_raw(int fd, uint32_t type, uint32_t version, uint32_t len,
    const void *payload, size_t paylen)
{
	struct msg_hdr	hdr;
	uint8_t		buf[4096];

	assert_true(MSG_HDR_LEN + paylen <= sizeof(buf));
	hdr.type = type;
	hdr.version = version;
	hdr.len = len;
	memcpy(buf, &hdr, MSG_HDR_LEN);
	if (paylen > 0)
		memcpy(buf + MSG_HDR_LEN, payload, paylen);
	assert_int_equal(send(fd, buf, MSG_HDR_LEN + paylen, 0),
	    (ssize_t)(MSG_HDR_LEN + paylen));
}

/* A valid packed Hello in buf; its length. */
static size_t
pack_hello(uint8_t *buf, uint32_t version, uint32_t pid)
{
	Kbd__Hello	h = KBD__HELLO__INIT;

	h.version = version;
	h.pid = pid;
	assert_true(kbd__hello__get_packed_size(&h) <= 64);
	return kbd__hello__pack(&h, buf);
}

static void
send_hello(struct chan *c, uint32_t pid)
{
	Kbd__Hello	h = KBD__HELLO__INIT;

	h.version = KBD_PROTO_VERSION;
	h.pid = pid;
	assert_int_equal(chan_send(c, MSG_HELLO, &h.base, NULL, 0), 0);
}

static void
recv_hello(struct chan *c, uint32_t pid)
{
	struct msg	m;

	assert_int_equal(chan_recv(c, &m, 0), 1);
	assert_int_equal(m.type, MSG_HELLO);
	assert_int_equal(((Kbd__Hello *)m.pb)->pid, pid);
	assert_int_equal(m.nfds, 0);
	msg_free(&m);
}

static void
assert_same_file(int fd1, int fd2)
{
	struct stat	st1, st2;

	assert_int_equal(fstat(fd1, &st1), 0);
	assert_int_equal(fstat(fd2, &st2), 0);
	assert_true(st1.st_dev == st2.st_dev);
	assert_true(st1.st_ino == st2.st_ino);
}

static int
tmpfd(void)
{
	char	path[] = "/tmp/kbd-test-msg.XXXXXX";
	int	fd;

	assert_true((fd = mkstemp(path)) != -1);
	assert_int_equal(unlink(path), 0);
	return fd;
}

static int
is_open(int fd)
{
	return fcntl(fd, F_GETFD) != -1;
}

/* Expect chan_recv to reject the next packet with a reason naming why. */
static void
expect_reject(struct chan *c, const char *why)
{
	struct msg	m;

	errno = 0;
	assert_int_equal(chan_recv(c, &m, 0), -1);
	assert_int_equal(errno, EPROTO);
	if (strstr(c->error, why) == NULL)
		fail_msg("error \"%s\" does not mention \"%s\"", c->error, why);
	assert_null(m.pb);
	assert_int_equal(m.nfds, 0);
}

static void
test_seqpacket_roundtrip_fds(void **state)
{
	struct pair	 p;
	struct msg	 m;
	Kbd__Hello	 h = KBD__HELLO__INIT;
	int		 fds[2], got;

	(void)state;
	pair_open(&p, SOCK_SEQPACKET, MSG_MAX_INTERNAL);
	fds[0] = tmpfd();
	fds[1] = tmpfd();
	h.version = KBD_PROTO_VERSION;
	h.pid = 4242;
	assert_int_equal(chan_send(&p.a, MSG_HELLO, &h.base, fds, 2), 0);
	/* chan_send does not take the fds. */
	assert_true(is_open(fds[0]) && is_open(fds[1]));

	assert_int_equal(chan_recv(&p.b, &m, 0), 1);
	assert_int_equal(m.type, MSG_HELLO);
	assert_string_equal(msg_type_name(m.type), "HELLO");
	assert_int_equal(((Kbd__Hello *)m.pb)->version, KBD_PROTO_VERSION);
	assert_int_equal(((Kbd__Hello *)m.pb)->pid, 4242);
	assert_int_equal(m.nfds, 2);
	assert_same_file(m.fds[0], fds[0]);
	assert_same_file(m.fds[1], fds[1]);
	/* Received fds do not leak into exec'd children. */
	assert_true(fcntl(m.fds[0], F_GETFD) & FD_CLOEXEC);

	got = msg_take_fd(&m, 1);
	assert_int_equal(m.fds[1], -1);
	assert_int_equal(msg_take_fd(&m, 2), -1);
	msg_free(&m);
	/* msg_free closed the fd not taken, not the one taken. */
	assert_true(is_open(got));
	assert_same_file(got, fds[1]);
	close(got);
	close(fds[0]);
	close(fds[1]);

	/* A message with no fields packs to nothing: still a message. */
	{
		Kbd__StopReq	s = KBD__STOP_REQ__INIT;

		assert_int_equal(chan_send(&p.a, MSG_STOP_REQ, &s.base, NULL,
		    0), 0);
		assert_int_equal(chan_recv(&p.b, &m, 0), 1);
		assert_int_equal(m.type, MSG_STOP_REQ);
		msg_free(&m);
	}

	/* EOF. */
	close(p.sv[0]);
	p.sv[0] = -1;
	assert_int_equal(chan_recv(&p.b, &m, 0), 0);
	pair_close(&p);
}

static void
test_send_errors(void **state)
{
	struct pair	 p;
	Kbd__Hello	 h = KBD__HELLO__INIT;
	Kbd__ErrorMsg	 e = KBD__ERROR_MSG__INIT;
	char		 big[200];
	int		 fd;

	(void)state;
	pair_open(&p, SOCK_SEQPACKET, 64);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	e.message = big;
	assert_int_equal(chan_send(&p.a, MSG_ERROR, &e.base, NULL, 0), -1);
	assert_int_equal(errno, EMSGSIZE);
	/* The type must name the message's own descriptor. */
	assert_int_equal(chan_send(&p.a, MSG_ERROR, &h.base, NULL, 0), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(chan_send(&p.a, 999, &h.base, NULL, 0), -1);
	assert_int_equal(errno, EINVAL);

	/* chan_compose owns the fds even when it fails. */
	fd = tmpfd();
	assert_int_equal(chan_compose(&p.a, 999, &h.base, &fd, 1), -1);
	assert_int_equal(errno, EINVAL);
	assert_false(is_open(fd));
	assert_int_equal(p.a.queued, 0);
	assert_null(p.a.head);
	pair_close(&p);
}

static void
test_compose_flush(void **state)
{
	struct pair	 p;
	struct msg	 m;
	Kbd__ErrorMsg	 e = KBD__ERROR_MSG__INIT;
	char		 text[1100];
	int		 fd, orig, n, sent = 0, got = 0, r;

	(void)state;
	pair_open(&p, SOCK_SEQPACKET, MSG_MAX_INTERNAL);
	set_nonblock(p.sv[0]);
	set_nonblock(p.sv[1]);

	/* Nothing queued: nothing to do. */
	assert_int_equal(chan_flush(&p.a), 0);

	orig = tmpfd();
	assert_true((fd = dup(orig)) != -1);
	e.message = text;
	snprintf(text, sizeof(text), "%d", 0);
	assert_int_equal(chan_compose(&p.a, MSG_ERROR, &e.base, &fd, 1), 0);
	sent = 1;
	/* Queue until the socket cannot take everything at once. */
	for (r = 0; r != 1; sent++) {
		assert_true(sent < 100000);
		n = snprintf(text, sizeof(text), "%d ", sent);
		memset(text + n, 'y', 1000);
		text[n + 1000] = '\0';
		assert_int_equal(chan_compose(&p.a, MSG_ERROR, &e.base, NULL,
		    0), 0);
		assert_true(p.a.queued > 0);
		r = chan_flush(&p.a);
		assert_true(r == 0 || r == 1);
	}
	assert_non_null(p.a.head);
	/* The fd went with the first message and the channel closed it. */
	assert_false(is_open(fd));

	/* Drain in order, flushing as room appears. */
	while (got < sent) {
		r = chan_recv(&p.b, &m, 0);
		if (r == -1) {
			assert_int_equal(errno, EAGAIN);
			assert_int_equal(chan_flush(&p.a), 0);
			continue;
		}
		assert_int_equal(r, 1);
		assert_int_equal(m.type, MSG_ERROR);
		assert_int_equal(atoi(((Kbd__ErrorMsg *)m.pb)->message), got);
		if (got == 0) {
			assert_int_equal(m.nfds, 1);
			assert_same_file(m.fds[0], orig);
		} else
			assert_int_equal(m.nfds, 0);
		msg_free(&m);
		got++;
		if (p.a.head != NULL)
			assert_true(chan_flush(&p.a) >= 0);
	}
	assert_int_equal(chan_flush(&p.a), 0);
	assert_int_equal(p.a.queued, 0);
	assert_null(p.a.head);
	assert_int_equal(chan_recv(&p.b, &m, 0), -1);
	assert_int_equal(errno, EAGAIN);
	close(orig);
	pair_close(&p);
}

static void
test_seqpacket_reject(void **state)
{
	struct pair	 p;
	uint8_t		 pl[64], big[200];
	size_t		 n;
	struct msghdr	 mh;
	struct iovec	 iov;
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int) * 8)];
	} cm;
	struct cmsghdr	*cmsg;
	struct msg_hdr	 hdr;
	int		 fds[MSG_MAX_FDS + 1], i;

	(void)state;
	pair_open(&p, SOCK_SEQPACKET, 128);
	n = pack_hello(pl, KBD_PROTO_VERSION, 7);

	/* Shorter than a header. */
	assert_int_equal(send(p.sv[0], "12345", 5, 0), 5);
	expect_reject(&p.b, "short packet");
	send_hello(&p.a, 1);
	recv_hello(&p.b, 1);

	/* Length in the header disagrees with the packet. */
	send_raw(p.sv[0], MSG_HELLO, KBD_PROTO_VERSION, (uint32_t)n + 3, pl,
	    n);
	expect_reject(&p.b, "header says");
	send_raw(p.sv[0], MSG_HELLO, KBD_PROTO_VERSION, 0, pl, n);
	expect_reject(&p.b, "header says");

	/* Payload longer than the channel's maximum. */
	memset(big, 0, sizeof(big));
	send_raw(p.sv[0], MSG_HELLO, KBD_PROTO_VERSION, sizeof(big), big,
	    sizeof(big));
	expect_reject(&p.b, "too long");

	/* Unknown type numbers, in and beyond the table's range. */
	send_raw(p.sv[0], 999, KBD_PROTO_VERSION, (uint32_t)n, pl, n);
	expect_reject(&p.b, "unknown message type 999");
	send_raw(p.sv[0], MSG_NONE, KBD_PROTO_VERSION, (uint32_t)n, pl, n);
	expect_reject(&p.b, "unknown message type 0");
	send_raw(p.sv[0], 2, KBD_PROTO_VERSION, (uint32_t)n, pl, n);
	expect_reject(&p.b, "unknown message type 2");

	/* Another protocol version. */
	send_raw(p.sv[0], MSG_HELLO, KBD_PROTO_VERSION + 1, (uint32_t)n, pl,
	    n);
	expect_reject(&p.b, "protocol version");

	/* Bytes that do not unpack: a varint that never ends. */
	send_raw(p.sv[0], MSG_HELLO, KBD_PROTO_VERSION, 3, "\x08\xff\xff",
	    3);
	expect_reject(&p.b, "malformed HELLO");
	/* A field of wire type 7, which does not exist. */
	send_raw(p.sv[0], MSG_HELLO, KBD_PROTO_VERSION, 2, "\x0f\x00", 2);
	expect_reject(&p.b, "malformed HELLO");

	/* More fds than a message may carry: all closed, none leaked. */
	memset(&hdr, 0, sizeof(hdr));
	hdr.type = MSG_HELLO;
	hdr.version = KBD_PROTO_VERSION;
	hdr.len = 0;
	for (i = 0; i < MSG_MAX_FDS + 1; i++)
		fds[i] = tmpfd();
	memset(&mh, 0, sizeof(mh));
	memset(&cm, 0, sizeof(cm));
	iov.iov_base = &hdr;
	iov.iov_len = MSG_HDR_LEN;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cm.buf;
	mh.msg_controllen = CMSG_SPACE(sizeof(fds));
	cmsg = CMSG_FIRSTHDR(&mh);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(cmsg), fds, sizeof(fds));
	assert_int_equal(sendmsg(p.sv[0], &mh, 0), (ssize_t)MSG_HDR_LEN);
	for (i = 0; i < MSG_MAX_FDS + 1; i++)
		close(fds[i]);
	expect_reject(&p.b, "too many fds");

	/* After all that the channel still works. */
	send_hello(&p.a, 99);
	recv_hello(&p.b, 99);
	pair_close(&p);
}

/* Feed a stream channel whatever has arrived. */
static void
stream_read(struct chan *c)
{
	ssize_t	n;

	n = chan_read(c);
	assert_true(n > 0);
}

static void
test_stream_roundtrip(void **state)
{
	struct pair	 p;
	struct msg	 m;
	Kbd__ErrorMsg	 e = KBD__ERROR_MSG__INIT;

	(void)state;
	pair_open(&p, SOCK_STREAM, MSG_MAX_CLIENT);
	send_hello(&p.a, 5);
	e.message = "two";
	assert_int_equal(chan_compose(&p.a, MSG_ERROR, &e.base, NULL, 0), 0);
	assert_int_equal(chan_flush(&p.a), 0);

	stream_read(&p.b);
	assert_int_equal(chan_get(&p.b, &m), 1);
	assert_int_equal(m.type, MSG_HELLO);
	assert_int_equal(((Kbd__Hello *)m.pb)->pid, 5);
	msg_free(&m);
	assert_int_equal(chan_get(&p.b, &m), 1);
	assert_int_equal(m.type, MSG_ERROR);
	assert_string_equal(((Kbd__ErrorMsg *)m.pb)->message, "two");
	msg_free(&m);
	assert_int_equal(chan_get(&p.b, &m), 0);
	assert_int_equal(p.b.ilen, 0);

	/* Nothing more: EAGAIN, then EOF. */
	assert_int_equal(chan_read(&p.b), -1);
	assert_int_equal(errno, EAGAIN);
	close(p.sv[0]);
	p.sv[0] = -1;
	assert_int_equal(chan_read(&p.b), 0);
	pair_close(&p);
}

static void
test_stream_partial(void **state)
{
	struct pair	 p;
	struct msg	 m;
	struct msg_hdr	 hdr;
	uint8_t		 buf[128], pl[64];
	size_t		 n, total, i;

	(void)state;
	pair_open(&p, SOCK_STREAM, MSG_MAX_CLIENT);
	n = pack_hello(pl, KBD_PROTO_VERSION, 77);
	hdr.type = MSG_HELLO;
	hdr.version = KBD_PROTO_VERSION;
	hdr.len = (uint32_t)n;
	memcpy(buf, &hdr, MSG_HDR_LEN);
	memcpy(buf + MSG_HDR_LEN, pl, n);
	total = MSG_HDR_LEN + n;

	/* One byte at a time: nothing until the last byte is in. */
	for (i = 0; i < total; i++) {
		assert_int_equal(write(p.sv[0], buf + i, 1), 1);
		stream_read(&p.b);
		if (i + 1 < total)
			assert_int_equal(chan_get(&p.b, &m), 0);
	}
	assert_int_equal(chan_get(&p.b, &m), 1);
	assert_int_equal(m.type, MSG_HELLO);
	assert_int_equal(((Kbd__Hello *)m.pb)->pid, 77);
	msg_free(&m);

	/* Header whole, payload short. */
	assert_int_equal(write(p.sv[0], buf, total - 1), (ssize_t)total - 1);
	stream_read(&p.b);
	assert_int_equal(chan_get(&p.b, &m), 0);
	/* The rest, with the next message behind it in the same read. */
	assert_int_equal(write(p.sv[0], buf + total - 1, 1), 1);
	assert_int_equal(write(p.sv[0], buf, total), (ssize_t)total);
	stream_read(&p.b);
	assert_int_equal(chan_get(&p.b, &m), 1);
	msg_free(&m);
	assert_int_equal(chan_get(&p.b, &m), 1);
	msg_free(&m);
	assert_int_equal(chan_get(&p.b, &m), 0);
	pair_close(&p);
}

/*
 * A stream channel writes a run of queued messages with one call (several
 * per write, a write that ends inside one): the reader gets them whole
 * and in order. (Streams carry no fds: clients never pass any.)
 */
static void
test_stream_gather(void **state)
{
	struct pair	 p;
	struct msg	 m;
	Kbd__ErrorMsg	 e = KBD__ERROR_MSG__INIT;
	char		 text[700];
	int		 n, sent, got = 0, r;
	ssize_t		 rd;

	(void)state;
	pair_open(&p, SOCK_STREAM, MSG_MAX_CLIENT);
	set_nonblock(p.sv[0]);
	set_nonblock(p.sv[1]);
	e.message = text;
	/* Enough that the socket cannot take them all at once. */
	for (sent = 0; sent < 2000; sent++) {
		n = snprintf(text, sizeof(text), "%d ", sent);
		memset(text + n, 'z', (size_t)(sent % 600));
		text[n + sent % 600] = '\0';
		assert_int_equal(chan_compose(&p.a, MSG_ERROR, &e.base, NULL,
		    0), 0);
	}
	r = chan_flush(&p.a);
	assert_int_equal(r, 1);
	while (got < sent) {
		rd = chan_read(&p.b);
		if (rd == -1) {
			assert_int_equal(errno, EAGAIN);
			assert_true(chan_flush(&p.a) >= 0);
			continue;
		}
		assert_true(rd > 0);
		while ((r = chan_get(&p.b, &m)) == 1) {
			assert_int_equal(m.type, MSG_ERROR);
			assert_int_equal(atoi(((Kbd__ErrorMsg *)m.pb)->message),
			    got);
			assert_int_equal(strlen(((Kbd__ErrorMsg *)m.pb)->message),
			    (size_t)snprintf(text, sizeof(text), "%d ", got) +
			    (size_t)(got % 600));
			assert_int_equal(m.nfds, 0);
			msg_free(&m);
			got++;
		}
		assert_int_equal(r, 0);
		if (p.a.head != NULL)
			assert_true(chan_flush(&p.a) >= 0);
	}
	assert_int_equal(chan_flush(&p.a), 0);
	assert_int_equal(p.a.queued, 0);
	assert_null(p.a.head);
	pair_close(&p);
}

/* A stream channel that received one header (+ payload) from send_raw. */
static void
expect_stream_reject(uint32_t type, uint32_t version, uint32_t len,
    const void *payload, size_t paylen, const char *why)
{
	struct pair	p;
	struct msg	m;

	pair_open(&p, SOCK_STREAM, 1024);
	send_raw(p.sv[0], type, version, len, payload, paylen);
	stream_read(&p.b);
	errno = 0;
	assert_int_equal(chan_get(&p.b, &m), -1);
	assert_int_equal(errno, EPROTO);
	if (strstr(p.b.error, why) == NULL)
		fail_msg("error \"%s\" does not mention \"%s\"", p.b.error,
		    why);
	assert_null(m.pb);
	pair_close(&p);
}

static void
test_stream_reject(void **state)
{
	uint8_t	pl[64];
	size_t	n;

	(void)state;
	n = pack_hello(pl, KBD_PROTO_VERSION, 1);
	/* A bad header is refused before its payload arrives. */
	expect_stream_reject(MSG_HELLO, KBD_PROTO_VERSION + 1, (uint32_t)n,
	    NULL, 0, "protocol version");
	expect_stream_reject(12345, KBD_PROTO_VERSION, (uint32_t)n, NULL, 0,
	    "unknown message type 12345");
	expect_stream_reject(MSG_HELLO, KBD_PROTO_VERSION, 4096, NULL, 0,
	    "exceeds");
	expect_stream_reject(MSG_HELLO, KBD_PROTO_VERSION, UINT32_MAX, NULL,
	    0, "exceeds");
	/* A whole message whose payload does not unpack. */
	expect_stream_reject(MSG_HELLO, KBD_PROTO_VERSION, 3, "\x08\xff\xff",
	    3, "malformed HELLO");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seqpacket_roundtrip_fds),
		cmocka_unit_test(test_send_errors),
		cmocka_unit_test(test_compose_flush),
		cmocka_unit_test(test_seqpacket_reject),
		cmocka_unit_test(test_stream_roundtrip),
		cmocka_unit_test(test_stream_partial),
		cmocka_unit_test(test_stream_gather),
		cmocka_unit_test(test_stream_reject),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
