// Wakes the event loop when a capture fd becomes readable: a C thread blocked in poll(2) writes to a pipe that Bun watches, so an idle capture costs nothing; timer polling where that is impossible.

import { loadDrainHelper } from "./batch-drain.ts";
import { loadLibc } from "./libc.ts";

export interface CaptureWaiter {
	/** How the waiter is implemented, for logs and tests. */
	readonly kind: "poll-thread" | "timer";
	/** Call after each drain that emptied the handle, to be woken again by the next packet. */
	rearm(): void;
	/** Stops the thread or timer; no callback runs afterwards. */
	stop(): void;
}

const REARM = new Uint8Array([1]);

/** Starts watching `fd`; falls back to a `fallbackPollMs` timer when fd < 0 or the C helper is unavailable. */
export function startCaptureWaiter(fd: number, onReadable: () => void, fallbackPollMs = 10): CaptureWaiter {
	const helper = loadDrainHelper();
	const posix = loadLibc().posix;
	if (fd < 0 || !helper || !posix) return timerWaiter(onReadable, fallbackPollMs);

	const wakePipe = new Int32Array(2);
	const armPipe = new Int32Array(2);
	if (posix.pipe(wakePipe) !== 0) return timerWaiter(onReadable, fallbackPollMs);
	if (posix.pipe(armPipe) !== 0) {
		posix.close(wakePipe[0]!);
		posix.close(wakePipe[1]!);
		return timerWaiter(onReadable, fallbackPollMs);
	}
	const [wakeRead, wakeWrite] = [wakePipe[0]!, wakePipe[1]!];
	const [armRead, armWrite] = [armPipe[0]!, armPipe[1]!];
	const slot = helper.waiter_start(fd, wakeWrite, armRead);
	if (slot < 0) {
		for (const f of [wakeRead, wakeWrite, armRead, armWrite]) posix.close(f);
		return timerWaiter(onReadable, fallbackPollMs);
	}

	let stopped = false;
	const reader = Bun.file(wakeRead).stream().getReader();
	(async () => {
		for (;;) {
			const { done } = await reader.read();
			if (done || stopped) return;
			onReadable();
		}
	})().catch(() => {
		// the pipe only fails when stop() closed it
	});

	return {
		kind: "poll-thread",
		rearm() {
			if (!stopped) posix.write(armWrite, REARM, 1);
		},
		stop() {
			if (stopped) return;
			stopped = true;
			posix.close(armWrite); // EOF on the arm pipe ends the thread wherever it waits
			helper.waiter_join(slot);
			posix.close(armRead);
			posix.close(wakeWrite); // EOF ends the stream reader, which then releases wakeRead
			reader.cancel().catch(() => {});
		},
	};
}

function timerWaiter(onReadable: () => void, pollMs: number): CaptureWaiter {
	const timer = setInterval(onReadable, pollMs);
	return {
		kind: "timer",
		rearm() {},
		stop() {
			clearInterval(timer);
		},
	};
}
