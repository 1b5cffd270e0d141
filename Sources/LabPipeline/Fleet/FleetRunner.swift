import Foundation

/// Runs one command over a fleet: each host its own run, at most `parallel` at once, grouped
/// under one fleet id. One host's failure never stops or changes another's: every host's
/// outcome is its own ``FleetHostResult``. Cancelling the task (Ctrl-C) cancels every host's
/// run, each stopping at its own resumable point, and starts no further host.
///
/// What one host's run is (the single-run lifecycle: start or resume, lock, phases, teardown,
/// verdict) is `runHost`'s business; the runner decides which hosts run, how many at once,
/// and records each one's run and exit status in fleet.json as it goes.
public struct FleetRunner: Sendable {
  /// How many hosts work at once unless `--parallel` says otherwise: a handful of SSH
  /// sessions, comfortably inside sshd's MaxStartups (10) on a shared jump host and a
  /// laptop's file descriptors.
  public static let defaultParallel = 4

  /// One host's run, given its entry and a progress handler; it reports its run id as soon
  /// as it has one (`started`, which throws when fleet.json cannot be written: the host's run
  /// then stops as any run whose state cannot be written) so an interrupted host is found again.
  public typealias HostRun =
    @Sendable (_ host: FleetRecord.Host, _ started: @escaping @Sendable (String) async throws -> Void) async
    ->
    FleetHostResult

  public var parallel: Int

  public init(parallel: Int = Self.defaultParallel) {
    self.parallel = max(1, parallel)
  }

  /// Runs every host of `fleet` that `plan` says to run; a host left alone gets `leftAlone`'s
  /// result (its completed run's page). Returns the results in the fleet's host order, and
  /// marks the fleet finished when every host's run completed.
  public func run(
    _ fleet: FleetDirectory, plan: @Sendable (FleetRecord.Host) -> FleetResumption.HostPlan,
    leftAlone: @escaping @Sendable (FleetRecord.Host, String) async -> FleetHostResult,
    completed: @escaping @Sendable (FleetHostResult) -> Bool, runHost: @escaping HostRun
  ) async throws -> [FleetHostResult] {
    let hosts = await fleet.fleetRecord.hosts
    var results = [FleetHostResult?](repeating: nil, count: hosts.count)
    var toRun: [Int] = []
    for (index, host) in hosts.enumerated() {
      switch plan(host) {
      case .leaveAlone(let runID): results[index] = await leftAlone(host, runID)
      case .run: toRun.append(index)
      }
    }
    var recordFailure: (any Error)?
    await withTaskGroup(of: (Int, FleetHostResult).self) { group in
      var pending = toRun[...]
      func startNext() {
        guard !Task.isCancelled, let index = pending.popFirst() else { return }
        let host = hosts[index]
        group.addTask {
          let result = await runHost(host) { runID in
            try await fleet.recordRun(host: host.target, runID: runID)
          }
          return (index, result)
        }
      }
      for _ in 0..<parallel { startNext() }
      while let (index, result) = await group.next() {
        results[index] = result
        if let status = result.exitStatus {
          do {
            try await fleet.recordExit(host: hosts[index].target, status: status)
          } catch {
            recordFailure = recordFailure ?? error
          }
        }
        startNext()
      }
    }
    let final = zip(hosts, results).map { host, result in
      result
        ?? FleetHostResult(
          host: host.target, runID: host.runID, exitStatus: nil, simulated: false,
          message: "not started: the fleet was interrupted first")
    }
    // Every host ran to its end first: a fleet.json that cannot be written stops no host.
    if let recordFailure { throw recordFailure }
    if final.allSatisfy(completed) { try await fleet.setFinished(Date()) }
    return final
  }
}
