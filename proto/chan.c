/*
 * Message channels: the framing of proto/kbd-protocol.h over Unix sockets,
 * with fds passed as SCM_RIGHTS. Length, version and type are checked before
 * a payload is unpacked; a payload that does not unpack as the message its
 * type names is rejected, so dispatchers only ever see well-formed messages.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chan.h"
#include "kbd.pb-c.h"

struct chan_out {
	struct chan_out	*next;
	uint8_t		*buf;
	size_t		 len, off;
	int		 fds[MSG_MAX_FDS];
	int		 nfds;
};

static const struct {
	uint32_t				 type;
	const char				*name;
	const ProtobufCMessageDescriptor	*desc;
} msg_table[] = {
	{ MSG_LOG, "LOG", &kbd__log_msg__descriptor },
	{ MSG_PREPARE_REQ, "PREPARE_REQ", &kbd__prepare_req__descriptor },
	{ MSG_PREPARE_REP, "PREPARE_REP", &kbd__prepare_rep__descriptor },
	{ MSG_CONVERT_REQ, "CONVERT_REQ", &kbd__convert_req__descriptor },
	{ MSG_CONVERT_REP, "CONVERT_REP", &kbd__convert_rep__descriptor },
	{ MSG_COMMITTER_READY, "COMMITTER_READY", &kbd__committer_ready__descriptor },
	{ MSG_JOB_CREATE_REQ, "JOB_CREATE_REQ", &kbd__job_create_req__descriptor },
	{ MSG_JOB_CREATE_REP, "JOB_CREATE_REP", &kbd__job_create_rep__descriptor },
	{ MSG_BATCH_BEGIN, "BATCH_BEGIN", &kbd__batch_begin__descriptor },
	{ MSG_BATCH_ITEM, "BATCH_ITEM", &kbd__batch_item__descriptor },
	{ MSG_BATCH_ITEMS, "BATCH_ITEMS", &kbd__batch_items__descriptor },
	{ MSG_BATCH_END, "BATCH_END", &kbd__batch_end__descriptor },
	{ MSG_BATCH_REP, "BATCH_REP", &kbd__batch_rep__descriptor },
	{ MSG_JOB_FINISH_REQ, "JOB_FINISH_REQ", &kbd__job_finish_req__descriptor },
	{ MSG_JOB_FINISH_REP, "JOB_FINISH_REP", &kbd__job_summary__descriptor },
	{ MSG_C_REMOVE_REQ, "C_REMOVE_REQ", &kbd__remove_req__descriptor },
	{ MSG_C_REMOVE_REP, "C_REMOVE_REP", &kbd__remove_rep__descriptor },
	{ MSG_C_LINT_REQ, "C_LINT_REQ", &kbd__lint_req__descriptor },
	{ MSG_C_LINT_REP, "C_LINT_REP", &kbd__lint_rep__descriptor },
	{ MSG_C_ROOT_FORGET_REQ, "C_ROOT_FORGET_REQ",
	    &kbd__root_forget_req__descriptor },
	{ MSG_C_ROOT_FORGET_REP, "C_ROOT_FORGET_REP",
	    &kbd__root_forget_rep__descriptor },
	{ MSG_C_ROOT_WATCH_REQ, "C_ROOT_WATCH_REQ",
	    &kbd__root_watch_req__descriptor },
	{ MSG_C_ROOT_WATCH_REP, "C_ROOT_WATCH_REP",
	    &kbd__root_watch_rep__descriptor },
	{ MSG_C_SUMMARY_REQ, "C_SUMMARY_REQ", &kbd__summary_req__descriptor },
	{ MSG_C_SUMMARY_REP, "C_SUMMARY_REP", &kbd__summary_rep__descriptor },
	{ MSG_JOB_CANCEL_REQ, "JOB_CANCEL_REQ", &kbd__job_cancel_req__descriptor },
	{ MSG_JOB_CANCEL_REP, "JOB_CANCEL_REP", &kbd__job_cancel_rep__descriptor },
	{ MSG_HELLO, "HELLO", &kbd__hello__descriptor },
	{ MSG_HELLO_REP, "HELLO_REP", &kbd__hello_rep__descriptor },
	{ MSG_ADD_REQ, "ADD_REQ", &kbd__add_req__descriptor },
	{ MSG_ADD_REP, "ADD_REP", &kbd__add_rep__descriptor },
	{ MSG_FILE_EVENT, "FILE_EVENT", &kbd__file_event__descriptor },
	{ MSG_JOB_SUMMARY, "JOB_SUMMARY", &kbd__job_summary__descriptor },
	{ MSG_STATUS_REQ, "STATUS_REQ", &kbd__status_req__descriptor },
	{ MSG_WAIT_REQ, "WAIT_REQ", &kbd__wait_req__descriptor },
	{ MSG_SEARCH_REQ, "SEARCH_REQ", &kbd__search_req__descriptor },
	{ MSG_SEARCH_REP, "SEARCH_REP", &kbd__search_rep__descriptor },
	{ MSG_LIST_REQ, "LIST_REQ", &kbd__list_req__descriptor },
	{ MSG_LIST_CHUNK, "LIST_CHUNK", &kbd__list_chunk__descriptor },
	{ MSG_REMOVE_REQ, "REMOVE_REQ", &kbd__remove_req__descriptor },
	{ MSG_REMOVE_REP, "REMOVE_REP", &kbd__remove_rep__descriptor },
	{ MSG_LINT_REQ, "LINT_REQ", &kbd__lint_req__descriptor },
	{ MSG_LINT_REP, "LINT_REP", &kbd__lint_rep__descriptor },
	{ MSG_ROOTS_REQ, "ROOTS_REQ", &kbd__roots_req__descriptor },
	{ MSG_ROOTS_REP, "ROOTS_REP", &kbd__roots_rep__descriptor },
	{ MSG_JOB_FILES, "JOB_FILES", &kbd__job_files__descriptor },
	{ MSG_STOP_REQ, "STOP_REQ", &kbd__stop_req__descriptor },
	{ MSG_STOP_REP, "STOP_REP", &kbd__stop_rep__descriptor },
	{ MSG_ERROR, "ERROR", &kbd__error_msg__descriptor },
	{ MSG_CANCEL_REQ, "CANCEL_REQ", &kbd__cancel_req__descriptor },
	{ MSG_JOBS_REQ, "JOBS_REQ", &kbd__jobs_req__descriptor },
	{ MSG_JOBS_REP, "JOBS_REP", &kbd__jobs_rep__descriptor },
	{ MSG_PROGRESS, "PROGRESS", &kbd__progress__descriptor },
	{ MSG_SHOW_REQ, "SHOW_REQ", &kbd__show_req__descriptor },
	{ MSG_SHOW_REP, "SHOW_REP", &kbd__show_rep__descriptor },
	{ MSG_STOPPED, "STOPPED", &kbd__stopped__descriptor },
};

const ProtobufCMessageDescriptor *
msg_descriptor(uint32_t type)
{
	size_t	i;

	for (i = 0; i < sizeof(msg_table) / sizeof(msg_table[0]); i++)
		if (msg_table[i].type == type)
			return msg_table[i].desc;
	return NULL;
}

const char *
msg_type_name(uint32_t type)
{
	size_t	i;

	for (i = 0; i < sizeof(msg_table) / sizeof(msg_table[0]); i++)
		if (msg_table[i].type == type)
			return msg_table[i].name;
	return "UNKNOWN";
}

static void
close_fds(int *fds, int nfds)
{
	int	i;

	for (i = 0; i < nfds; i++)
		if (fds[i] != -1) {
			close(fds[i]);
			fds[i] = -1;
		}
}

void
chan_init(struct chan *c, int fd, int stream, uint32_t max_payload)
{
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->stream = stream;
	c->max_payload = max_payload;
}

static void
out_free(struct chan_out *o)
{
	close_fds(o->fds, o->nfds);
	free(o->buf);
	free(o);
}

void
chan_clear(struct chan *c)
{
	struct chan_out	*o, *next;

	for (o = c->head; o != NULL; o = next) {
		next = o->next;
		out_free(o);
	}
	c->head = c->tail = NULL;
	c->queued = 0;
	free(c->ibuf);
	c->ibuf = NULL;
	c->ilen = c->icap = 0;
	close_fds(c->ifds, c->nifds);
	c->nifds = 0;
}

static int
encode(uint32_t type, const ProtobufCMessage *pb, uint32_t max_payload,
    uint8_t **bufp, size_t *lenp)
{
	const ProtobufCMessageDescriptor	*desc;
	struct msg_hdr				 hdr;
	size_t					 plen;
	uint8_t					*buf;

	if ((desc = msg_descriptor(type)) == NULL || pb == NULL ||
	    pb->descriptor != desc) {
		errno = EINVAL;
		return -1;
	}
	plen = protobuf_c_message_get_packed_size(pb);
	if (plen > max_payload) {
		errno = EMSGSIZE;
		return -1;
	}
	if ((buf = malloc(MSG_HDR_LEN + plen)) == NULL)
		return -1;
	hdr.type = type;
	hdr.version = KBD_PROTO_VERSION;
	hdr.len = (uint32_t)plen;
	memcpy(buf, &hdr, MSG_HDR_LEN);
	if (plen > 0 && protobuf_c_message_pack(pb, buf + MSG_HDR_LEN) != plen) {
		free(buf);
		errno = EINVAL;
		return -1;
	}
	*bufp = buf;
	*lenp = MSG_HDR_LEN + plen;
	return 0;
}

int
chan_compose(struct chan *c, uint32_t type, const ProtobufCMessage *pb,
    const int *fds, int nfds)
{
	struct chan_out	*o;
	int		 i, saved;

	if (nfds < 0 || nfds > MSG_MAX_FDS ||
	    (o = calloc(1, sizeof(*o))) == NULL) {
		saved = nfds < 0 || nfds > MSG_MAX_FDS ? EINVAL : errno;
		for (i = 0; i < nfds && i < MSG_MAX_FDS; i++)
			close(fds[i]);
		errno = saved;
		return -1;
	}
	for (i = 0; i < nfds; i++)
		o->fds[i] = fds[i];
	o->nfds = nfds;
	if (encode(type, pb, c->max_payload, &o->buf, &o->len) == -1) {
		saved = errno;
		out_free(o);
		errno = saved;
		return -1;
	}
	if (c->tail == NULL)
		c->head = o;
	else
		c->tail->next = o;
	c->tail = o;
	c->queued += o->len;
	return 0;
}

/* Send bytes of o; fds ride on the first byte. */
static ssize_t
send_out(int fd, struct chan_out *o, int flags)
{
	struct msghdr	 mh;
	struct iovec	 iov;
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int) * MSG_MAX_FDS)];
	} cm;
	struct cmsghdr	*cmsg;

	memset(&mh, 0, sizeof(mh));
	iov.iov_base = o->buf + o->off;
	iov.iov_len = o->len - o->off;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (o->off == 0 && o->nfds > 0) {
		memset(&cm, 0, sizeof(cm));
		mh.msg_control = cm.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)o->nfds);
		cmsg = CMSG_FIRSTHDR(&mh);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)o->nfds);
		memcpy(CMSG_DATA(cmsg), o->fds, sizeof(int) * (size_t)o->nfds);
	}
	return sendmsg(fd, &mh, flags | MSG_NOSIGNAL);
}

/* Messages one flush writes with one system call, at most. */
#define FLUSH_GATHER	64

/*
 * Write the head message and those queued after it without fds (fds ride
 * on the first byte of a write), with one system call: a run of small
 * messages (a batch's items, a job's file events) costs one call, not one
 * each. A stream takes their bytes as one iovec (a partial write is
 * handled as before); a SOCK_SEQPACKET socket keeps each message a record
 * (sendmmsg). Returns what the calls return: for a stream the bytes
 * written, for records the messages written.
 */
static ssize_t
send_run(struct chan *c, int *records)
{
	struct iovec	 iov[FLUSH_GATHER];
	struct mmsghdr	 mm[FLUSH_GATHER];
	struct msghdr	 mh;
	struct chan_out	*o;
	unsigned	 k = 0;

	memset(mm, 0, sizeof(mm));
	for (o = c->head; o != NULL && k < FLUSH_GATHER; o = o->next) {
		if (o->nfds > 0 && o->off == 0)
			break;
		iov[k].iov_base = o->buf + o->off;
		iov[k].iov_len = o->len - o->off;
		mm[k].msg_hdr.msg_iov = &iov[k];
		mm[k].msg_hdr.msg_iovlen = 1;
		k++;
	}
	*records = !c->stream;
	if (!c->stream)
		return sendmmsg(c->fd, mm, k, MSG_DONTWAIT | MSG_NOSIGNAL);
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = iov;
	mh.msg_iovlen = k;
	return sendmsg(c->fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
}

int
chan_flush(struct chan *c)
{
	struct chan_out	*o;
	ssize_t		 n;
	size_t		 take;
	int		 records;

	while ((o = c->head) != NULL) {
		if (o->nfds == 0 || o->off > 0) {
			if ((n = send_run(c, &records)) == -1) {
				if (errno == EAGAIN || errno == EWOULDBLOCK ||
				    errno == EINTR)
					return 1;
				return -1;
			}
			if (n == 0)
				return 1;
			/* n messages, or n bytes over the run's messages. */
			while ((o = c->head) != NULL && n > 0) {
				take = records ? o->len - o->off :
				    (size_t)n < o->len - o->off ? (size_t)n :
				    o->len - o->off;
				o->off += take;
				c->queued -= take;
				n -= records ? 1 : (ssize_t)take;
				if (o->off < o->len)
					return 1;	/* stream: partial */
				c->head = o->next;
				if (c->head == NULL)
					c->tail = NULL;
				out_free(o);
			}
			continue;
		}
		n = send_out(c->fd, o, MSG_DONTWAIT);
		if (n == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR)
				return 1;
			return -1;
		}
		if (o->off == 0)
			close_fds(o->fds, o->nfds);
		o->off += (size_t)n;
		c->queued -= (size_t)n;
		if (o->off < o->len)
			return 1;	/* stream: partial write */
		c->head = o->next;
		if (c->head == NULL)
			c->tail = NULL;
		out_free(o);
	}
	return 0;
}

int
chan_send(struct chan *c, uint32_t type, const ProtobufCMessage *pb,
    const int *fds, int nfds)
{
	struct chan_out	 o;
	ssize_t		 n;
	int		 i, saved;

	memset(&o, 0, sizeof(o));
	if (nfds < 0 || nfds > MSG_MAX_FDS) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < nfds; i++)
		o.fds[i] = fds[i];
	o.nfds = nfds;
	if (encode(type, pb, c->max_payload, &o.buf, &o.len) == -1)
		return -1;
	while (o.off < o.len) {
		n = send_out(c->fd, &o, 0);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			saved = errno;
			free(o.buf);
			errno = saved;
			return -1;
		}
		o.off += (size_t)n;
		o.nfds = 0;	/* fds went with the first byte */
	}
	free(o.buf);
	return 0;
}

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	(void)vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int
msg_decode(const struct msg_hdr *hdr, const uint8_t *payload,
    uint32_t max_payload, struct msg *m, char *err, size_t errlen)
{
	const ProtobufCMessageDescriptor	*desc;

	if (hdr->version != KBD_PROTO_VERSION) {
		seterr(err, errlen, "protocol version %u, expected %u",
		    hdr->version, KBD_PROTO_VERSION);
		return -1;
	}
	if (hdr->len > max_payload) {
		seterr(err, errlen, "message of %u bytes exceeds %u",
		    hdr->len, max_payload);
		return -1;
	}
	if ((desc = msg_descriptor(hdr->type)) == NULL) {
		seterr(err, errlen, "unknown message type %u", hdr->type);
		return -1;
	}
	m->type = hdr->type;
	m->pb = protobuf_c_message_unpack(desc, NULL, hdr->len, payload);
	if (m->pb == NULL) {
		seterr(err, errlen, "malformed %s payload (%u bytes)",
		    msg_type_name(hdr->type), hdr->len);
		return -1;
	}
	return 0;
}

/* Collect SCM_RIGHTS fds from a received msghdr into fds[]. */
static int
take_cmsg_fds(struct msghdr *mh, int *fds, int *nfds, int max)
{
	struct cmsghdr	*cmsg;
	int		 n, i, overflow = 0, fd;

	for (cmsg = CMSG_FIRSTHDR(mh); cmsg != NULL;
	    cmsg = CMSG_NXTHDR(mh, cmsg)) {
		if (cmsg->cmsg_level != SOL_SOCKET ||
		    cmsg->cmsg_type != SCM_RIGHTS)
			continue;
		n = (int)((cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		for (i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int),
			    sizeof(int));
			if (*nfds < max)
				fds[(*nfds)++] = fd;
			else {
				close(fd);
				overflow = 1;
			}
		}
	}
	return overflow ? -1 : 0;
}

int
chan_recv(struct chan *c, struct msg *m, int flags)
{
	struct msghdr	 mh;
	struct iovec	 iov;
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int) * MSG_MAX_FDS)];
	} cm;
	struct msg_hdr	 hdr;
	ssize_t		 n;
	int		 bad = 0;

	memset(m, 0, sizeof(*m));
	if (c->ibuf == NULL) {
		c->icap = MSG_HDR_LEN + c->max_payload;
		if ((c->ibuf = malloc(c->icap)) == NULL)
			return -1;
	}
	memset(&mh, 0, sizeof(mh));
	iov.iov_base = c->ibuf;
	iov.iov_len = c->icap;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cm.buf;
	mh.msg_controllen = sizeof(cm.buf);
	do {
		n = recvmsg(c->fd, &mh, flags | MSG_CMSG_CLOEXEC);
	} while (n == -1 && errno == EINTR);
	if (n == -1)
		return -1;
	if (n == 0)
		return 0;
	if (take_cmsg_fds(&mh, m->fds, &m->nfds, MSG_MAX_FDS) == -1 ||
	    (mh.msg_flags & MSG_CTRUNC)) {
		seterr(c->error, sizeof(c->error), "too many fds");
		bad = 1;
	} else if (mh.msg_flags & MSG_TRUNC) {
		seterr(c->error, sizeof(c->error), "packet too long");
		bad = 1;
	} else if ((size_t)n < MSG_HDR_LEN) {
		seterr(c->error, sizeof(c->error), "short packet (%zd bytes)",
		    n);
		bad = 1;
	} else {
		memcpy(&hdr, c->ibuf, MSG_HDR_LEN);
		if ((size_t)n != MSG_HDR_LEN + (size_t)hdr.len) {
			seterr(c->error, sizeof(c->error),
			    "packet of %zd bytes, header says %u", n,
			    MSG_HDR_LEN + hdr.len);
			bad = 1;
		} else if (msg_decode(&hdr, c->ibuf + MSG_HDR_LEN,
		    c->max_payload, m, c->error, sizeof(c->error)) == -1)
			bad = 1;
	}
	if (bad) {
		msg_free(m);
		errno = EPROTO;
		return -1;
	}
	return 1;
}

ssize_t
chan_read(struct chan *c)
{
	struct msghdr	 mh;
	struct iovec	 iov;
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int) * MSG_MAX_FDS)];
	} cm;
	uint8_t		*nb;
	size_t		 want;
	ssize_t		 n;

	/*
	 * Start small and grow with what the peer actually sends: a daemon
	 * with thousands of idle clients must not hold a big buffer for each.
	 */
	want = c->icap - c->ilen >= 1024 ? c->icap :
	    (c->icap < 4096 ? 4096 : c->icap * 2);
	if (want > MSG_HDR_LEN + (size_t)c->max_payload + 65536)
		want = MSG_HDR_LEN + (size_t)c->max_payload + 65536;
	if (c->icap < want) {
		if ((nb = realloc(c->ibuf, want)) == NULL)
			return -1;
		c->ibuf = nb;
		c->icap = want;
	}
	if (c->ilen == c->icap) {
		errno = ENOBUFS;
		return -1;
	}
	memset(&mh, 0, sizeof(mh));
	iov.iov_base = c->ibuf + c->ilen;
	iov.iov_len = c->icap - c->ilen;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cm.buf;
	mh.msg_controllen = sizeof(cm.buf);
	do {
		n = recvmsg(c->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	} while (n == -1 && errno == EINTR);
	if (n <= 0)
		return n;
	/* Clients never pass fds; any that arrive are closed. */
	if (take_cmsg_fds(&mh, c->ifds, &c->nifds, 0) == -1)
		c->nifds = 0;
	c->ilen += (size_t)n;
	return n;
}

int
chan_get(struct chan *c, struct msg *m)
{
	struct msg_hdr	hdr;
	size_t		total;

	memset(m, 0, sizeof(*m));
	if (c->ilen < MSG_HDR_LEN)
		return 0;
	memcpy(&hdr, c->ibuf, MSG_HDR_LEN);
	if (hdr.version != KBD_PROTO_VERSION || hdr.len > c->max_payload ||
	    msg_descriptor(hdr.type) == NULL) {
		(void)msg_decode(&hdr, NULL, c->max_payload, m, c->error,
		    sizeof(c->error));
		errno = EPROTO;
		return -1;
	}
	total = MSG_HDR_LEN + (size_t)hdr.len;
	if (c->ilen < total)
		return 0;
	if (msg_decode(&hdr, c->ibuf + MSG_HDR_LEN, c->max_payload, m,
	    c->error, sizeof(c->error)) == -1) {
		errno = EPROTO;
		return -1;
	}
	memmove(c->ibuf, c->ibuf + total, c->ilen - total);
	c->ilen -= total;
	if (c->ilen == 0 && c->icap > 65536) {
		/* A large request is done: give its buffer back. */
		free(c->ibuf);
		c->ibuf = NULL;
		c->icap = 0;
	}
	return 1;
}

void
msg_free(struct msg *m)
{
	if (m->pb != NULL)
		protobuf_c_message_free_unpacked(m->pb, NULL);
	m->pb = NULL;
	close_fds(m->fds, m->nfds);
	m->nfds = 0;
}

int
msg_take_fd(struct msg *m, int i)
{
	int	fd;

	if (i < 0 || i >= m->nfds)
		return -1;
	fd = m->fds[i];
	m->fds[i] = -1;
	return fd;
}

int
chan_log_sink(int level, const char *text, void *arg)
{
	Kbd__LogMsg	lm = KBD__LOG_MSG__INIT;

	lm.level = level;
	lm.text = (char *)text;
	return chan_send(arg, MSG_LOG, &lm.base, NULL, 0);
}
