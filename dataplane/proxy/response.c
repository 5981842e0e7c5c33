/* SPDX-License-Identifier: Proprietary
 * Generated responses (response.h).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "http/http.h"
#include "proxy/response.h"

const char *
response_reason(unsigned status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	case 505: return "HTTP Version Not Supported";
	case 506: return "Variant Also Negotiates";
	case 507: return "Insufficient Storage";
	case 508: return "Loop Detected";
	case 510: return "Not Extended";
	case 511: return "Network Authentication Required";
	default:  return "Unknown";
	}
}

/* "Date: Mon, 23 Nov 2026 05:04:39 GMT\r\n" (RFC 9110 6.6.1, IMF-fixdate),
 * formatted once per second per thread. CLOCK_REALTIME_COARSE is read
 * through the vDSO: no system call. */
static const char *
date_line(void)
{
	static __thread char line[48];
	static __thread time_t last = -1;
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME_COARSE, &ts);
	if (ts.tv_sec != last && gmtime_r(&ts.tv_sec, &tm) != NULL &&
	    strftime(line, sizeof(line), "Date: %a, %d %b %Y %H:%M:%S GMT\r\n", &tm) != 0)
		last = ts.tv_sec;
	return line;
}

/* "GET, HEAD, POST" from a bit set of enum http_method. */
static size_t
allow_list(char *buf, size_t cap, uint16_t allow)
{
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned m = HTTP_M_GET; m < HTTP_M__MAX; m++) {
		int k;

		if (!(allow & (1u << m)))
			continue;
		k = snprintf(buf + n, cap - n, "%s%s", n ? ", " : "", http_method_name(m));
		if (k < 0 || (size_t)k >= cap - n)
			break;
		n += (size_t)k;
	}
	return n;
}

size_t
response_build(char *buf, size_t cap, unsigned status, const char *req_id, bool close,
	       bool head_only, uint16_t allow)
{
	char body[64], allow_hdr[96] = "", id_hdr[64] = "";
	int blen, n;

	blen = snprintf(body, sizeof(body), "%u %s\n", status, response_reason(status));
	if (status == 403 && req_id)   /* WAF block: the id to quote to the operator */
		blen = snprintf(body, sizeof(body), "%u %s\nrequest-id: %s\n", status,
				response_reason(status), req_id);
	if (status == 405) {
		char list[80];

		allow_list(list, sizeof(list), allow);
		snprintf(allow_hdr, sizeof(allow_hdr), "Allow: %s\r\n", list);
	}
	if (req_id)
		snprintf(id_hdr, sizeof(id_hdr), "X-Request-Id: %s\r\n", req_id);
	n = snprintf(buf, cap,
		     "HTTP/1.1 %u %s\r\n"
		     "%s"
		     "Content-Type: text/plain\r\n"
		     "Content-Length: %d\r\n"
		     "%s%s%s"
		     "\r\n"
		     "%s",
		     status, response_reason(status), date_line(), blen, allow_hdr, id_hdr,
		     close ? "Connection: close\r\n" : "", head_only ? "" : body);
	if (n < 0 || (size_t)n >= cap)
		return 0;
	return (size_t)n;
}
