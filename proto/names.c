/*
 * The names users see for the protocol's enums, in kbctl's text and JSON
 * output and in kbd's log: one table, so the two never disagree.
 */
#include "kbd.pb-c.h"
#include "names.h"

const char *
file_status_str(int status)
{
	switch (status) {
	case KBD__FILE_STATUS__FS_ADDED:
		return "added";
	case KBD__FILE_STATUS__FS_DUPLICATE:
		return "duplicate";
	case KBD__FILE_STATUS__FS_SKIPPED:
		return "skipped";
	case KBD__FILE_STATUS__FS_FAILED:
		return "failed";
	case KBD__FILE_STATUS__FS_CANCELLED:
		return "cancelled";
	case KBD__FILE_STATUS__FS_REMOVED:
		return "removed";
	case KBD__FILE_STATUS__FS_NOT_FOUND:
		return "not-found";
	case KBD__FILE_STATUS__FS_UPDATED:
		return "updated";
	case KBD__FILE_STATUS__FS_MOVED:
		return "moved";
	default:
		return "unknown";
	}
}

const char *
job_state_str(int state)
{
	switch (state) {
	case KBD__JOB_STATE__JOB_QUEUED:
		return "queued";
	case KBD__JOB_STATE__JOB_RUNNING:
		return "running";
	case KBD__JOB_STATE__JOB_DONE:
		return "done";
	case KBD__JOB_STATE__JOB_FAILED:
		return "failed";
	case KBD__JOB_STATE__JOB_CANCELLED:
		return "cancelled";
	default:
		return "unknown";
	}
}
