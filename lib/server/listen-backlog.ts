/**
 * Connections the kernel may hold complete but not yet accepted (it caps this at
 * net.core.somaxconn). Node's default is 511. After a restart every client reconnects at once,
 * and a connection that finds the queue full has its SYN dropped and tries again only after 1 s,
 * then 3 s, 7 s, 15 s: the bench's relay, at the default, lost ~150 SYNs per 10 000-connection
 * storm (kernel ListenOverflows).
 */
export const LISTEN_BACKLOG = 4096;
