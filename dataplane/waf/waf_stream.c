/* Streaming evaluation (waf_stream.h): body pieces into the request view
 * as they arrive, the verdict when the message is complete. */
#include <errno.h>

#include "waf/waf_stream.h"

void waf_stream_begin(struct waf_stream *s, struct waf_eval *ev, struct waf_reqview *view,
		      const struct http_req *req)
{
	s->ev = ev;
	s->view = view;
	s->req = req;
	s->pieces = 0;
	s->finished = false;
	waf_reqview_reset(view);
}

void waf_stream_body_cb(void *opaque, const char *p, size_t len)
{
	struct waf_stream *s = opaque;

	if (s->finished)
		return; /* bytes after the verdict belong to no request of ours */
	if (s->pieces++ == 0)
		waf_reqview_body_begin(s->view, s->req);   /* the head is parsed by now */
	waf_reqview_body_cb(s->view, p, len);
}

int waf_stream_finish(struct waf_stream *s, const struct waf_engine_conf *conf,
		      const struct http_req *req, struct waf_result *res)
{
	int rc;

	if (s->finished)
		return -EALREADY;
	s->finished = true;
	rc = waf_reqview_build(s->view, req);
	int erc = waf_eval_run(s->ev, conf, s->view, res);
	return rc < 0 ? rc : erc;
}
