/* Batch capture helper compiled at run time by bun:ffi's cc (TinyCC) with -nostdlib.
 *
 * Freestanding on purpose: target machines usually have no libc development files, so this file includes no
 * headers and calls libc and libpcap only through function pointers handed over from JavaScript.
 *
 * drain_batch() runs pcap_dispatch with a C callback that writes each packet, already framed as an RPCAP PACKET
 * message (8-byte rpcap_header + 20-byte rpcap_pkthdr + data, all big-endian), into a buffer owned by JavaScript:
 * one FFI call per batch instead of one per packet. Sampling, snaplen clamping and npkt numbering happen here too.
 *
 * The waiter threads block in poll(2) on a capture's selectable fd and write one byte to a pipe that the event
 * loop watches, then wait until JavaScript re-arms them: the event loop never polls on a timer while idle.
 */

typedef unsigned char u8;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef long long i64;
typedef unsigned long usize;

#ifdef RPCAPD_DARWIN
struct pcap_timeval { long tv_sec; int tv_usec; };
#else
/* long is 64-bit on LP64 (Linux, macOS) and 32-bit on LLP64 (Windows), which matches struct timeval on each. */
struct pcap_timeval { long tv_sec; long tv_usec; };
#endif
struct pcap_pkthdr { struct pcap_timeval ts; u32 caplen; u32 len; };

typedef void *(*memcpy_fn)(void *destination, const void *source, usize count);
static memcpy_fn sys_memcpy;

typedef void (*pcap_handler)(u8 *user, const struct pcap_pkthdr *header, const u8 *bytes);
typedef int (*pcap_dispatch_fn)(void *pcap, int count, pcap_handler callback, u8 *user);

/* Shared with JavaScript as a Uint32Array; see ffi/batch-drain.ts for the field list. */
enum {
	S_SNAPLEN, S_NPKT, S_SAMPLE_METHOD, S_SAMPLE_VALUE, S_SAMPLE_COUNT, S_LAST_SEC, S_LAST_USEC, S_TRUNCATED,
	S_SAMPLED_OUT, S_SEEN, S_VERSION, S_BATCH_PACKETS, S_SAMPLE_STARTED, S_FIELDS
};

struct drain_context {
	u32 *state;
	u8 *out;
	u32 capacity;
	u32 used;
};

static void put32(u8 *p, u32 v) {
	p[0] = (u8)(v >> 24);
	p[1] = (u8)(v >> 16);
	p[2] = (u8)(v >> 8);
	p[3] = (u8)v;
}

static int sampled_out(u32 *state, const struct pcap_pkthdr *h) {
	u32 method = state[S_SAMPLE_METHOD];
	u32 value = state[S_SAMPLE_VALUE];
	if (method == 1 && value > 1) {
		u32 count = state[S_SAMPLE_COUNT];
		state[S_SAMPLE_COUNT] = count + 1 >= value ? 0 : count + 1;
		return count != 0;
	}
	if (method == 2 && value > 0) {
		if (state[S_SAMPLE_STARTED]) {
			i64 elapsed = ((i64)(u32)h->ts.tv_sec - (i64)state[S_LAST_SEC]) * 1000000 +
				((i64)h->ts.tv_usec - (i64)state[S_LAST_USEC]);
			if (elapsed < (i64)value * 1000) return 1;
		}
		state[S_SAMPLE_STARTED] = 1;
		state[S_LAST_SEC] = (u32)h->ts.tv_sec;
		state[S_LAST_USEC] = (u32)h->ts.tv_usec;
	}
	return 0;
}

static void on_packet(u8 *user, const struct pcap_pkthdr *h, const u8 *bytes) {
	struct drain_context *c = (struct drain_context *)user;
	u32 *state = c->state;
	state[S_SEEN]++;
	if (sampled_out(state, h)) {
		state[S_SAMPLED_OUT]++;
		return;
	}
	u32 caplen = h->caplen;
	if (caplen > state[S_SNAPLEN]) caplen = state[S_SNAPLEN];
	/* Counts every packet stored shorter than on the wire, whether the kernel or this clamp cut it. */
	if (caplen < h->len) state[S_TRUNCATED]++;
	/* drain_batch only dispatches as many packets as fit at full snaplen, so this never fails in practice. */
	if (c->used + 28 + caplen > c->capacity) return;
	u8 *o = c->out + c->used;
	u32 npkt = state[S_NPKT] + 1;
	state[S_NPKT] = npkt;
	o[0] = (u8)state[S_VERSION];
	o[1] = 7;
	o[2] = 0;
	o[3] = 0;
	put32(o + 4, 20 + caplen);
	put32(o + 8, (u32)h->ts.tv_sec);
	put32(o + 12, (u32)h->ts.tv_usec);
	put32(o + 16, caplen);
	put32(o + 20, h->len);
	put32(o + 24, npkt);
	sys_memcpy(o + 28, bytes, caplen);
	c->used += 28 + caplen;
	state[S_BATCH_PACKETS]++;
}

/* Returns the bytes written (>= 0), or libpcap's negative status (-1 error, -2 breakloop). */
int drain_batch(void *dispatch, void *pcap, u32 *state, u8 *out, u32 capacity, u32 max_packets) {
	struct drain_context c;
	c.state = state;
	c.out = out;
	c.capacity = capacity;
	c.used = 0;
	state[S_BATCH_PACKETS] = 0;
	u32 worst = 28 + state[S_SNAPLEN];
	for (;;) {
		u32 room = (capacity - c.used) / worst;
		u32 left = max_packets - state[S_BATCH_PACKETS];
		u32 count = room < left ? room : left;
		if (count == 0) break;
		int r = ((pcap_dispatch_fn)dispatch)(pcap, (int)count, on_packet, (u8 *)&c);
		if (r < 0) return c.used > 0 ? (int)c.used : r;
		if (r == 0) break;
	}
	return (int)c.used;
}

/* ---- waiter threads ---- */

struct pollfd_s { int fd; short events; short revents; };
typedef int (*poll_fn)(struct pollfd_s *fds, usize count, int timeout);
typedef long (*rw_fn)(int fd, void *buffer, usize count);
typedef int (*thread_create_fn)(usize *thread, const void *attributes, void *(*start)(void *), void *argument);
typedef int (*thread_join_fn)(usize thread, void **result);

static poll_fn sys_poll;
static rw_fn sys_read;
static rw_fn sys_write;
static thread_create_fn sys_thread_create;
static thread_join_fn sys_thread_join;

#define MAX_WAITERS 1024
#define POLLIN_ 1
struct waiter { int capture_fd; int wake_fd; int arm_fd; int used; usize thread; };
static struct waiter waiters[MAX_WAITERS];

/* Hands over libc: memcpy is required; the poll/read/write/thread functions may be NULL where waiters are unused. */
void helper_init(void *memcpy_ptr, void *poll_ptr, void *read_ptr, void *write_ptr, void *create_ptr, void *join_ptr) {
	sys_memcpy = (memcpy_fn)memcpy_ptr;
	sys_poll = (poll_fn)poll_ptr;
	sys_read = (rw_fn)read_ptr;
	sys_write = (rw_fn)write_ptr;
	sys_thread_create = (thread_create_fn)create_ptr;
	sys_thread_join = (thread_join_fn)join_ptr;
}

/* Waits for the capture fd, signals once, then waits for a re-arm byte; EOF on the arm pipe ends the thread. */
static void *waiter_loop(void *argument) {
	struct waiter *w = (struct waiter *)argument;
	u8 byte = 1;
	for (;;) {
		struct pollfd_s fds[2];
		fds[0].fd = w->capture_fd;
		fds[0].events = POLLIN_;
		fds[0].revents = 0;
		fds[1].fd = w->arm_fd;
		fds[1].events = POLLIN_;
		fds[1].revents = 0;
		if (sys_poll(fds, 2, -1) <= 0) continue;
		if (fds[1].revents) return 0; /* the arm pipe only becomes readable here when it was closed */
		if (sys_write(w->wake_fd, &byte, 1) < 0) return 0;
		if (sys_read(w->arm_fd, &byte, 1) <= 0) return 0;
	}
}

/* Returns the waiter slot, or -1 when no slot is free or the thread cannot start. */
int waiter_start(int capture_fd, int wake_fd, int arm_fd) {
	for (int i = 0; i < MAX_WAITERS; i++) {
		struct waiter *w = &waiters[i];
		if (w->used) continue;
		w->capture_fd = capture_fd;
		w->wake_fd = wake_fd;
		w->arm_fd = arm_fd;
		w->used = 1;
		if (sys_thread_create(&w->thread, 0, waiter_loop, w) != 0) {
			w->used = 0;
			return -1;
		}
		return i;
	}
	return -1;
}

/* Call after closing the arm pipe's write end; returns once the thread has exited. */
int waiter_join(int slot) {
	if (slot < 0 || slot >= MAX_WAITERS || !waiters[slot].used) return -1;
	int r = sys_thread_join(waiters[slot].thread, 0);
	waiters[slot].used = 0;
	return r;
}
