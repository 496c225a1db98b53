/**
 * Address allocation for the sandbox. Pod IPs are real loopback addresses (Linux routes all of 127/8 to
 * the loopback device, so any of them can be bound without setup); service cluster IPs are only ever
 * displayed, so they are plain strings from a conventional service range.
 */

export function ipToInt(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) {
    throw new Error(`not an IPv4 address: "${ip}"`);
  }
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** A FIFO queue with O(1) amortised push and shift; `Array.prototype.shift` is O(n). */
class Fifo {
  private items: number[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(n: number): void {
    this.items.push(n);
  }

  shift(): number | undefined {
    if (this.head >= this.items.length) return undefined;
    const n = this.items[this.head++];
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return n;
  }
}

/**
 * Hands out addresses of an inclusive range: fresh ones in order first, then released ones oldest
 * first. Reusing released addresses as late as possible keeps a just-deleted pod's address from being
 * confused with its replacement in logs, watches and port-forwards.
 */
class RangeAllocator {
  private next: number;
  private readonly live = new Set<number>();
  private readonly free = new Fifo();
  private readonly queued = new Set<number>();

  constructor(
    private readonly first: number,
    private readonly last: number,
    private readonly usable: (n: number) => boolean,
    private readonly label: string,
  ) {
    this.next = first;
  }

  get allocatedCount(): number {
    return this.live.size;
  }

  allocate(): string {
    const n = this.takeFresh() ?? this.takeReleased();
    if (n === undefined) throw new Error(`${this.label}: no free addresses left`);
    this.live.add(n);
    return intToIp(n);
  }

  /** Claims one specific address, e.g. a cluster IP a Service asks for or state restored from disk. */
  reserve(ip: string): void {
    const n = ipToInt(ip);
    if (!this.contains(n)) throw new Error(`${this.label}: ${ip} is not in the allocatable range`);
    if (this.live.has(n)) throw new Error(`${this.label}: ${ip} is already allocated`);
    this.live.add(n);
  }

  /** Returns an address to the pool; false when it was not allocated (double release is harmless). */
  release(ip: string): boolean {
    const n = safeIpToInt(ip);
    if (n === undefined || !this.live.delete(n)) return false;
    if (!this.queued.has(n)) {
      this.queued.add(n);
      this.free.push(n);
    }
    return true;
  }

  isAllocated(ip: string): boolean {
    const n = safeIpToInt(ip);
    return n !== undefined && this.live.has(n);
  }

  private contains(n: number): boolean {
    return n >= this.first && n <= this.last && this.usable(n);
  }

  /** Fresh addresses skip unusable ones and any that were reserved ahead of the cursor. */
  private takeFresh(): number | undefined {
    while (this.next <= this.last) {
      const n = this.next++;
      if (this.usable(n) && !this.live.has(n)) return n;
    }
    return undefined;
  }

  /** Queue entries that were reserved again since their release are skipped, never handed out twice. */
  private takeReleased(): number | undefined {
    for (let n = this.free.shift(); n !== undefined; n = this.free.shift()) {
      this.queued.delete(n);
      if (!this.live.has(n)) return n;
    }
    return undefined;
  }
}

function safeIpToInt(ip: string): number | undefined {
  try {
    return ipToInt(ip);
  } catch {
    return undefined;
  }
}

export interface AddressRange {
  /** First address handed out (inclusive). */
  first: string;
  /** Last address handed out (inclusive). */
  last: string;
}

/**
 * Pod IPs from 127.0.0.0/8 minus 127.0.0.0/16, which stays free for 127.0.0.1 and whatever else the
 * host runs on loopback. Last octets 0 and 255 are skipped because they look like network and
 * broadcast addresses to people reading them.
 */
export const POD_ADDRESS_RANGE: AddressRange = { first: '127.1.0.1', last: '127.255.255.254' };

export class AddressPool {
  private readonly allocator: RangeAllocator;

  /** A narrower range is mainly for tests that need to exhaust the pool. */
  constructor(range: AddressRange = POD_ADDRESS_RANGE) {
    const first = ipToInt(range.first);
    const last = ipToInt(range.last);
    const floor = ipToInt('127.1.0.0');
    const ceiling = ipToInt('127.255.255.255');
    if (first < floor || last > ceiling || first > last) {
      throw new Error(
        `pod address range must lie within 127.1.0.0-127.255.255.255: ${range.first}-${range.last}`,
      );
    }
    const usable = (n: number): boolean => (n & 255) !== 0 && (n & 255) !== 255;
    this.allocator = new RangeAllocator(first, last, usable, 'pod address pool');
  }

  get allocatedCount(): number {
    return this.allocator.allocatedCount;
  }

  /** A pod IP no live pod has; throws when the range is exhausted. */
  allocate(): string {
    return this.allocator.allocate();
  }

  reserve(ip: string): void {
    this.allocator.reserve(ip);
  }

  release(ip: string): boolean {
    return this.allocator.release(ip);
  }

  isAllocated(ip: string): boolean {
    return this.allocator.isAllocated(ip);
  }
}

/**
 * Service cluster IPs, `10.96.0.0/16` by default like kubeadm. They are never bound, only shown, so any
 * CIDR works; the network and broadcast addresses are excluded as the real allocator does.
 */
export class ClusterIpPool {
  private readonly allocator: RangeAllocator;

  constructor(cidr = '10.96.0.0/16') {
    const { network, broadcast } = parseCidr(cidr);
    if (broadcast - network < 2) throw new Error(`service CIDR ${cidr} has no usable addresses`);
    this.allocator = new RangeAllocator(network + 1, broadcast - 1, () => true, 'cluster IP pool');
  }

  get allocatedCount(): number {
    return this.allocator.allocatedCount;
  }

  allocate(): string {
    return this.allocator.allocate();
  }

  /** For Services that set `spec.clusterIP` themselves; throws if it is taken or out of range. */
  reserve(ip: string): void {
    this.allocator.reserve(ip);
  }

  release(ip: string): boolean {
    return this.allocator.release(ip);
  }

  isAllocated(ip: string): boolean {
    return this.allocator.isAllocated(ip);
  }
}

export function parseCidr(cidr: string): { network: number; broadcast: number } {
  const [ip, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  if (ip === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) {
    throw new Error(`not an IPv4 CIDR: "${cidr}"`);
  }
  const size = 2 ** (32 - bits);
  const network = Math.floor(ipToInt(ip) / size) * size;
  return { network, broadcast: network + size - 1 };
}
