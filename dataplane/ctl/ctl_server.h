/* SPDX-License-Identifier: Proprietary
 * The dataplane end of the control channel (docs/CONTROL-CHANNEL.md).
 * Main lcore only; the socket is non-blocking and polled, so a silent or
 * hostile peer can delay the main lcore by at most the send timeout and can
 * never touch a worker.
 */
#ifndef RAMPART_CTL_SERVER_H
#define RAMPART_CTL_SERVER_H

/* Listen on path (replacing a stale socket). Returns 0 or -errno. */
int ctl_server_open(const char *path);

/* Accept, read and answer whatever is ready, waiting at most timeout_ms. */
void ctl_server_poll(int timeout_ms);

void ctl_server_close(void);

#endif
