import { describe, expect, it } from 'vitest';
import { HostScheduler } from '../../../src/rag/llm/host-scheduler.js';

describe('HostScheduler', () => {
  it('spreads requests over hosts, least busy first', async () => {
    const s = new HostScheduler(['a', 'b'], 2);
    const leases = [await s.acquire(), await s.acquire(), await s.acquire()];
    expect(leases.map((l) => l.host)).toEqual(['a', 'b', 'a']);
    expect(s.busy()).toEqual({ a: 2, b: 1 });
    // The next request goes to the host with fewer requests in flight.
    expect((await s.acquire()).host).toBe('b');
    leases[0]!.release();
    leases[2]!.release();
    expect((await s.acquire()).host).toBe('a');
  });

  it('queues beyond the per-host concurrency and serves waiters in order as slots free up', async () => {
    const s = new HostScheduler(['a'], 1);
    const first = await s.acquire();
    const order: string[] = [];
    const second = s.acquire().then((l) => (order.push('second'), l));
    const third = s.acquire().then((l) => (order.push('third'), l));
    await Promise.resolve();
    expect(order).toEqual([]);
    first.release();
    (await second).release();
    (await third).release();
    expect(order).toEqual(['second', 'third']);
    expect(s.busy()).toEqual({ a: 0 });
  });

  it('drops a waiter whose signal aborts', async () => {
    const s = new HostScheduler(['a'], 1);
    const first = await s.acquire();
    const controller = new AbortController();
    const waiting = s.acquire(controller.signal);
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    first.release();
    expect(s.busy()).toEqual({ a: 0 });
  });

  it('avoids a host that just failed while another one has room, and uses it again after the cooldown', async () => {
    let now = 1000;
    const s = new HostScheduler(['a', 'b'], 1, 5000, () => now);
    const lease = await s.acquire();
    const failedHost = lease.host;
    lease.release(true);
    const next = await s.acquire();
    expect(next.host).not.toBe(failedHost);
    next.release();
    const again = await s.acquire();
    expect(again.host).not.toBe(failedHost);
    again.release();
    now += 6000;
    const hosts = new Set([(await s.acquire()).host, (await s.acquire()).host]);
    expect(hosts).toEqual(new Set(['a', 'b']));
  });

  it('excludes the host that just failed when retrying elsewhere', async () => {
    const s = new HostScheduler(['a', 'b'], 1);
    expect((await s.acquire(undefined, 'a')).host).toBe('b');
  });
});
