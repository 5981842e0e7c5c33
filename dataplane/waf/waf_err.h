/* One-line error reasons for the WAF's build, encode and load paths:
 * every function that can refuse its input takes (char *err, size_t errlen)
 * and says why there, cut to errlen. */
#ifndef RAMPART_WAF_ERR_H
#define RAMPART_WAF_ERR_H

#include <stddef.h>

/* printf into err[0..errlen); nothing when err is NULL or errlen 0. */
void waf_seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
