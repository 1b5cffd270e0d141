/// How one invocation runs the lifecycle: the command-line flags that change what the
/// lifecycle and the lab's steps do. Typed values of this invocation, never recorded as lab
/// parameters: a step reads them from ``StepContext/options`` (and ``PlanContext/options``).
public struct LifecycleOptions: Sendable, Hashable {
  /// `--new-run`: start a new run even when one could be resumed.
  public var newRun: Bool
  /// `run --keep`: leave the lab in place at the end, also after a failure.
  public var keep: Bool
  /// `--purge`: `down` also removes what `up` installed system-wide (the lab decides what).
  public var purge: Bool
  /// `up --break-lock`: take the host over from the run that owns it.
  public var breakLock: Bool
  /// `down --accept-leftovers`: what the teardown could not remove is said and recorded, and
  /// the run is finished and the host released anyway (the user removes the rest by hand).
  public var acceptLeftovers: Bool

  public init(
    newRun: Bool = false, keep: Bool = false, purge: Bool = false, breakLock: Bool = false,
    acceptLeftovers: Bool = false
  ) {
    self.newRun = newRun
    self.keep = keep
    self.purge = purge
    self.breakLock = breakLock
    self.acceptLeftovers = acceptLeftovers
  }
}
