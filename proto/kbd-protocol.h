/*
 * kbd's wire protocol: the fixed header in front of every message, the
 * message types and the protocol version. Payloads are protobuf-c messages
 * from proto/kbd.proto; the type in the header names which one.
 *
 * Bump KBD_PROTO_VERSION whenever a message type is added, removed or
 * renumbered, or a message in kbd.proto changes in a way an older peer
 * would misread. kbctl and kbd refuse to talk across versions, and the
 * supervisor and its children always come from the same binary.
 */
#ifndef KBD_PROTOCOL_H
#define KBD_PROTOCOL_H

#include <stdint.h>

/*
 * 2: CANCEL_REQ, JOBS_REQ, JOBS_REP (job control).
 * 3: PROGRESS; AddReq.progress and WaitReq.progress ask for it.
 * 4: JOB_CANCEL_REQ, JOB_CANCEL_REP (a cancel recorded in the job's row).
 * 5: SHOW_REQ, SHOW_REP (one document's row and paths); SearchHit and
 *    DocInfo carry the wiki and source paths; STOPPED (kbd stops on
 *    request: its followers do not start it again).
 * 6: SearchReq.offset; SearchHit.matches (offsets into a plain-text
 *    snippet) and .wiki; SearchRep.error (a malformed query).
 * 7: sources (issue 10): FS_UPDATED, FS_MOVED, JobSummary.updated,
 *    .moved and .removed; AddReq.prune (sync) and .dry_run,
 *    JobCreateReq.prune; AddReq.rules and JobCreateReq.rules (--exclude,
 *    --include); RemoveReq.paths, .job and .dry_run;
 *    JobFinishReq.removed and .synced; ROOTS_REQ, ROOTS_REP,
 *    C_ROOT_FORGET_REQ, C_ROOT_FORGET_REP (kbctl roots).
 * 8: history (issue 10): StatusReq.files and .failed, JOB_FILES
 *    (JobFiles), JobFinishReq.history.
 * 9: watch (issue 10): RootsReq.watch and .stop, RootInfo.watched and
 *    .watch_limited; C_ROOT_WATCH_REQ, C_ROOT_WATCH_REP.
 * 10: summarizer (issue 14): C_SUMMARY_REQ, C_SUMMARY_REP; recompile
 *    (issue 14): ConvertRep.converter and .converter_version (also in
 *    BatchItem, with .recompile), AddReq and JobCreateReq .recompile and
 *    .docs, JobSummary.stale.
 * 11: the full-text rebuild as a job (issue 12): JobCreateReq.reindex,
 *    JobSummary.kind, .index_rebuilding, .index_done and .index_total,
 *    SearchRep.incomplete.
 * 12: BATCH_ITEMS (BatchItems): a run of a batch's items in one packet
 *    (issue 10, the no-op sync: a packet per unchanged file was one
 *    system call per file at each end).
 * 13: BatchRep.results holds only the items whose outcome the committer
 *    decides, in order; an item it leaves out (sent with an outcome and
 *    no hash, not a recompile) keeps the one it came with (issue 10: a
 *    reply of a batch of light files is small, so batches can be larger);
 *    AddReq.changes_only (no event for each unchanged file of a sync to
 *    a client that prints none).
 * 14: ConvertRep.analysis and BatchItem.analysis: a document's language,
 *    concept terms and keywords, computed by the worker that converted it
 *    (workers/analysis/) instead of by the committer.
 * 15: ConvertReq.prepare and ConvertRep.skipped: a small file new to the
 *    KB is hashed, prefiltered and converted in one request (issue 15).
 */
#define KBD_PROTO_VERSION 15

/* Header, in host byte order: both ends are on this host. */
struct msg_hdr {
	uint32_t type;
	uint32_t version;
	uint32_t len;		/* payload bytes that follow */
};

#define MSG_HDR_LEN	((uint32_t)sizeof(struct msg_hdr))

/*
 * Internal packets travel on SOCK_SEQPACKET socketpairs whose send buffer is
 * raised to MSG_SOCKBUF; one message is one packet. Client messages travel
 * on the SOCK_STREAM control socket and may be larger.
 */
#define MSG_MAX_INTERNAL	(256u * 1024)
#define MSG_MAX_CLIENT		(1024u * 1024)
#define MSG_SOCKBUF		(1024 * 1024)
#define MSG_MAX_FDS		4

enum msg_type {
	MSG_NONE = 0,

	/* child -> supervisor */
	MSG_LOG = 1,

	/* supervisor <-> worker */
	MSG_PREPARE_REQ = 10,
	MSG_PREPARE_REP,
	MSG_CONVERT_REQ,
	MSG_CONVERT_REP,

	/* supervisor <-> committer */
	MSG_COMMITTER_READY = 20,
	MSG_JOB_CREATE_REQ,
	MSG_JOB_CREATE_REP,
	MSG_BATCH_BEGIN,
	MSG_BATCH_ITEM,
	MSG_BATCH_END,
	MSG_BATCH_REP,
	MSG_JOB_FINISH_REQ,
	MSG_JOB_FINISH_REP,	/* JobSummary */
	MSG_C_REMOVE_REQ,	/* RemoveReq */
	MSG_C_REMOVE_REP,	/* RemoveRep */
	MSG_C_LINT_REQ,		/* LintReq */
	MSG_C_LINT_REP,		/* LintRep */
	MSG_JOB_CANCEL_REQ,	/* JobCancelReq */
	MSG_JOB_CANCEL_REP,	/* JobCancelRep */
	MSG_C_ROOT_FORGET_REQ,	/* RootForgetReq */
	MSG_C_ROOT_FORGET_REP,	/* RootForgetRep */
	MSG_C_ROOT_WATCH_REQ,	/* RootWatchReq */
	MSG_C_ROOT_WATCH_REP,	/* RootWatchRep */

	/* client <-> supervisor */
	MSG_HELLO = 40,
	MSG_HELLO_REP,
	MSG_ADD_REQ,
	MSG_ADD_REP,
	MSG_FILE_EVENT,
	MSG_JOB_SUMMARY,
	MSG_STATUS_REQ,
	MSG_WAIT_REQ,
	MSG_SEARCH_REQ,
	MSG_SEARCH_REP,
	MSG_LIST_REQ,
	MSG_LIST_CHUNK,
	MSG_REMOVE_REQ,
	MSG_REMOVE_REP,
	MSG_LINT_REQ,
	MSG_LINT_REP,
	MSG_STOP_REQ,
	MSG_STOP_REP,
	MSG_ERROR,
	MSG_CANCEL_REQ,		/* CancelReq -> JOB_SUMMARY */
	MSG_JOBS_REQ,
	MSG_JOBS_REP,
	MSG_PROGRESS,		/* Progress: kbd -> follower that asked */
	MSG_SHOW_REQ,		/* ShowReq */
	MSG_SHOW_REP,		/* ShowRep */
	MSG_STOPPED,		/* Stopped: kbd -> follower, on STOP_REQ */
	MSG_ROOTS_REQ,		/* RootsReq */
	MSG_ROOTS_REP,		/* RootsRep */
	MSG_JOB_FILES,		/* JobFiles: after JOB_SUMMARY, status --files */

	/* supervisor <-> committer, continued: 20 to 39 are taken */
	MSG_C_SUMMARY_REQ = 80,	/* SummaryReq */
	MSG_C_SUMMARY_REP,	/* SummaryRep */
	MSG_BATCH_ITEMS,	/* BatchItems: BATCH_ITEM, a run in one packet */

	MSG_TYPE_MAX
};

/* MSG_LOG carries the levels of common/log.h (KBD_LOG_*, syslog's order). */

#endif /* KBD_PROTOCOL_H */
