import Foundation

extension RunStore {
  /// The newest run on the existing cluster `identity` names (the same context and server URL
  /// hash in run.json's `target.cluster`): `labrun report --kubeconfig FILE [--context NAME]`.
  /// - Throws: ``RunStoreError/noRunOnCluster(context:)`` (exit status 4) when there is none.
  public func newestRun(on identity: ExistingClusterIdentity) throws -> URL {
    let runs = try list().filter { $0.record?.target.cluster == identity }
    guard
      let newest = runs.max(by: {
        ($0.record?.startedAt ?? .distantPast, $0.id) < ($1.record?.startedAt ?? .distantPast, $1.id)
      })
    else { throw RunStoreError.noRunOnCluster(context: identity.context) }
    return URL(fileURLWithPath: newest.directory, isDirectory: true)
  }
}
