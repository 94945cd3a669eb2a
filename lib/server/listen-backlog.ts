/**
 * Connections the kernel may hold complete but not yet accepted (it caps this at
 * net.core.somaxconn). Node's default is 511. After a restart every client reconnects at once,
 * and a connection that finds the queue full has its SYN dropped and waits for the kernel's SYN
 * retransmission (seconds, doubling) before it tries again. The default overflowed in the
 * bench's login-storm scenario (kernel ListenOverflows; docs/performance-notes.md).
 */
export const LISTEN_BACKLOG = 4096;
