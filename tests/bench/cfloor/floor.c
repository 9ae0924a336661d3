/*
 * The C floor of the benchmark suite's network workloads: the least a
 * server can do on one thread with epoll or poll, for the load of
 * tests/bench/netload. The runner builds it with
 *
 *     cc -O2 -o BIN tests/bench/cfloor/floor.c
 *
 * and runs
 *
 *     BIN epoll|poll echo              W8-W10: every byte comes back
 *     BIN epoll|poll poetry FILE       W12: each client gets FILE, then a close
 *
 * It listens on 127.0.0.1 (a free port, backlog 1024, as every peer),
 * prints "Serving on port N." and runs until SIGINT. Both servers write at
 * once and ask for writability only when a socket is full; an echo
 * connection with unsent bytes stops reading until they are gone, so its
 * memory stays one buffer (backpressure). One read per readable event.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUF 65536

struct conn {
	char *pending;  /* echo: bytes read but not yet written back */
	size_t off, len;
	int open;
};

static int use_epoll, echo_mode;
static const char *poem;
static size_t poem_len;
static struct conn *conns;
static int max_fds;
static char buf[BUF];
static volatile sig_atomic_t stopping;

static int epfd;
static struct pollfd *pfds;
static int *slot; /* fd -> index in pfds, or -1 */
static int npfds;

static void on_sigint(int sig) { (void)sig; stopping = 1; }

static void die(const char *what) { perror(what); exit(1); }

static void watch(int fd, int want_out, int add)
{
	if (use_epoll) {
		struct epoll_event ev = {.events = want_out ? EPOLLOUT : EPOLLIN, .data.fd = fd};
		if (epoll_ctl(epfd, add ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &ev) < 0)
			die("epoll_ctl");
		return;
	}
	if (add) {
		slot[fd] = npfds;
		pfds[npfds].fd = fd;
		npfds++;
	}
	pfds[slot[fd]].events = want_out ? POLLOUT : POLLIN;
}

static void drop(int fd)
{
	if (use_epoll) {
		epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
	} else {
		/* Move the last descriptor into the hole: the array stays dense. */
		int i = slot[fd];
		pfds[i] = pfds[--npfds];
		slot[pfds[i].fd] = i;
		slot[fd] = -1;
	}
	free(conns[fd].pending);
	memset(&conns[fd], 0, sizeof conns[fd]);
	close(fd);
}

/* flush writes what is pending; it returns 0 when all of it went. */
static int flush(int fd)
{
	struct conn *c = &conns[fd];
	const char *data = echo_mode ? c->pending : poem;
	while (c->off < c->len) {
		ssize_t n = write(fd, data + c->off, c->len - c->off);
		if (n < 0) {
			if (errno == EAGAIN)
				return 1;
			if (errno == EINTR)
				continue;
			return -1;
		}
		c->off += n;
	}
	c->off = c->len = 0;
	return 0;
}

static void on_accept(int lfd)
{
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				perror("accept4");
			return;
		}
		if (fd >= max_fds) {
			close(fd);
			continue;
		}
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		conns[fd].open = 1;
		if (echo_mode) {
			watch(fd, 0, 1);
			continue;
		}
		conns[fd].len = poem_len;
		int r = flush(fd);
		if (r == 0 || r < 0) {
			close(fd);
			memset(&conns[fd], 0, sizeof conns[fd]);
		} else {
			watch(fd, 1, 1);
		}
	}
}

static void on_ready(int fd, int readable, int writable)
{
	struct conn *c = &conns[fd];
	if (writable) {
		int r = flush(fd);
		if (r < 0 || (r == 0 && !echo_mode)) {
			drop(fd);
			return;
		}
		if (r == 0)
			watch(fd, 0, 0);
		return;
	}
	if (!readable)
		return;
	ssize_t n = read(fd, buf, BUF);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		drop(fd);
		return;
	}
	if (n < 0)
		return;
	ssize_t w = write(fd, buf, n);
	if (w < 0 && errno != EAGAIN) {
		drop(fd);
		return;
	}
	if (w < 0)
		w = 0;
	if (w < n) {
		if (!c->pending)
			c->pending = malloc(BUF);
		memcpy(c->pending, buf + w, n - w);
		c->off = 0;
		c->len = n - w;
		watch(fd, 1, 0);
	}
}

int main(int argc, char **argv)
{
	if (argc < 3 || (strcmp(argv[2], "echo") && strcmp(argv[2], "poetry")) ||
	    (!strcmp(argv[2], "poetry") && argc < 4)) {
		fprintf(stderr, "usage: %s epoll|poll echo | epoll|poll poetry FILE\n", argv[0]);
		return 2;
	}
	use_epoll = !strcmp(argv[1], "epoll");
	echo_mode = !strcmp(argv[2], "echo");
	if (!echo_mode) {
		FILE *f = fopen(argv[3], "rb");
		if (!f)
			die(argv[3]);
		fseek(f, 0, SEEK_END);
		poem_len = ftell(f);
		rewind(f);
		char *p = malloc(poem_len);
		if (fread(p, 1, poem_len, f) != poem_len)
			die("fread");
		fclose(f);
		poem = p;
	}
	struct rlimit lim;
	getrlimit(RLIMIT_NOFILE, &lim);
	max_fds = lim.rlim_cur;
	conns = calloc(max_fds, sizeof *conns);
	pfds = calloc(max_fds, sizeof *pfds);
	slot = malloc(max_fds * sizeof *slot);
	for (int i = 0; i < max_fds; i++)
		slot[i] = -1;

	struct sigaction sa = {.sa_handler = on_sigint};
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof addr;
	if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(lfd, 1024) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&addr, &alen) < 0)
		die("listen");
	if (use_epoll && (epfd = epoll_create1(EPOLL_CLOEXEC)) < 0)
		die("epoll_create1");
	watch(lfd, 0, 1);
	printf("Serving on port %d.\n", ntohs(addr.sin_port));
	fflush(stdout);

	struct epoll_event events[256];
	while (!stopping) {
		if (use_epoll) {
			int n = epoll_wait(epfd, events, 256, -1);
			for (int i = 0; i < n; i++) {
				int fd = events[i].data.fd;
				if (fd == lfd)
					on_accept(lfd);
				else if (conns[fd].open)
					on_ready(fd, events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR),
						 events[i].events & EPOLLOUT);
			}
			continue;
		}
		int n = poll(pfds, npfds, -1);
		/* Walk a snapshot's length: drop() moves the last entry into a
		 * hole, which this pass may then skip once (it is seen next time). */
		for (int i = 0, end = npfds; n > 0 && i < end && i < npfds; i++) {
			struct pollfd p = pfds[i];
			if (!p.revents)
				continue;
			n--;
			pfds[i].revents = 0;
			if (p.fd == lfd)
				on_accept(lfd);
			else
				on_ready(p.fd, p.revents & (POLLIN | POLLHUP | POLLERR), p.revents & POLLOUT);
		}
	}
	return 0;
}
