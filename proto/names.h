/* Names of FileStatus and JobState values (see names.c). */
#ifndef KBD_NAMES_H
#define KBD_NAMES_H

const char	*file_status_str(int);
const char	*job_state_str(int);

#endif /* KBD_NAMES_H */
