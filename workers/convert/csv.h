/*
 * CSV to Markdown: one pipe table. What maps to what is in
 * docs/converters.md.
 */
#ifndef KBD_CONVERT_CSV_H
#define KBD_CONVERT_CSV_H

/* Fields of one record (CONVERT_ELIMIT past it). */
#define CSV_COLUMNS_MAX		1024

#endif /* KBD_CONVERT_CSV_H */
