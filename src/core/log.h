/* log.h: one-line diagnostics to stderr; log_quiet silences info lines. */
#ifndef MINYI_LOG_H
#define MINYI_LOG_H
#include <stdbool.h>
extern bool log_quiet;
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#endif
