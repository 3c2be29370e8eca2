/*
 * CSV to Markdown: one pipe table. What maps to what is in convert.h.
 */
#ifndef KBD_CONVERT_CSV_H
#define KBD_CONVERT_CSV_H

#include "convert.h"

/* Fields of one record (CONVERT_ELIMIT past it). */
#define CSV_COLUMNS_MAX		1024

/* The converter for "csv" (see convert_fn). */
convert_fn	csv_convert;

#endif /* KBD_CONVERT_CSV_H */
