#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// A counter that one thread rings and others wait on, instead of polling with sleeps.
///
/// The publisher changes shared state, then calls ``ring()``. A waiter reads ``generation``
/// *before* it looks at the shared state; if there is nothing new it calls
/// ``wait(after:timeout:)`` with that generation, which returns at once when a ring came in
/// between (so no ring is ever missed), else when the next ring comes or the timeout passes.
/// Every wait has a timeout. A POSIX mutex and condition variable (monotonic clock on Linux).
public final class Wakeup: @unchecked Sendable {
  private let mutex: UnsafeMutablePointer<pthread_mutex_t>
  private let condition: UnsafeMutablePointer<pthread_cond_t>
  /// Guarded by `mutex`.
  private var count: UInt64 = 0
  #if canImport(Darwin)
    private static let clock = CLOCK_REALTIME
  #else
    private static let clock = CLOCK_MONOTONIC
  #endif

  public init() {
    mutex = .allocate(capacity: 1)
    mutex.initialize(to: pthread_mutex_t())
    pthread_mutex_init(mutex, nil)
    condition = .allocate(capacity: 1)
    condition.initialize(to: pthread_cond_t())
    var attributes = pthread_condattr_t()
    pthread_condattr_init(&attributes)
    #if !canImport(Darwin)
      pthread_condattr_setclock(&attributes, Self.clock)
    #endif
    pthread_cond_init(condition, &attributes)
    pthread_condattr_destroy(&attributes)
  }

  deinit {
    pthread_cond_destroy(condition)
    pthread_mutex_destroy(mutex)
    condition.deallocate()
    mutex.deallocate()
  }

  /// How many times it was rung.
  public var generation: UInt64 {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    return count
  }

  /// Wakes every thread waiting now; a later wait with an older generation returns at once.
  public func ring() {
    pthread_mutex_lock(mutex)
    count &+= 1
    pthread_cond_broadcast(condition)
    pthread_mutex_unlock(mutex)
  }

  /// Waits until the generation is no longer `seen` or `timeout` has passed (at most a day).
  /// True when it was rung.
  @discardableResult
  public func wait(after seen: UInt64, timeout: Duration) -> Bool {
    var deadline = timespec()
    clock_gettime(Self.clock, &deadline)
    let (seconds, attoseconds) = timeout.components
    if seconds >= 0 && (seconds > 0 || attoseconds > 0) {
      let nanoseconds = Int(deadline.tv_nsec) + Int(attoseconds / 1_000_000_000)
      deadline.tv_sec += time_t(min(seconds, 86_400) + Int64(nanoseconds / 1_000_000_000))
      deadline.tv_nsec = Int(nanoseconds % 1_000_000_000)
    }
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    while count == seen {
      if pthread_cond_timedwait(condition, mutex, &deadline) == ETIMEDOUT { break }
    }
    return count != seen
  }
}
