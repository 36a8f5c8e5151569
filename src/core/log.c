/* log.c: stderr logging. Each line is written with one fwrite so lines from
 * different threads never interleave mid-line. */
#include "core/log.h"
#include <stdarg.h>
#include <stdio.h>

bool log_quiet = false;

static void vlog(const char *tag, const char *fmt, va_list ap) {
    char line[2048];
    int n = snprintf(line, sizeof line, "%s", tag);
    int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    if (m < 0) return;
    size_t len = (size_t)n + (size_t)m;
    if (len > sizeof line - 2) len = sizeof line - 2;
    line[len++] = '\n';
    fwrite(line, 1, len, stderr);
}

void log_info(const char *fmt, ...) {
    if (log_quiet) return;
    va_list ap; va_start(ap, fmt); vlog("", fmt, ap); va_end(ap);
}

void log_error(const char *fmt, ...) {
    va_list ap; va_start(ap, fmt); vlog("minyi: ", fmt, ap); va_end(ap);
}
