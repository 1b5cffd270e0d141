import Foundation
import LabPipeline

extension FleetBundle {
  /// `labrun bundle --fleet ID [--sign KEY]`: packs the fleet, signed with the key `keyPath`
  /// names, loaded before anything is written (as for one run's bundle).
  @discardableResult
  public static func create(
    fleet id: String, state: StateDirectory, output: URL, signingKey keyPath: String?,
    environment: [String: String]
  ) throws -> BundleOutput {
    let key = try keyPath.map { try SigningKey.load(path: $0, environment: environment) }
    return try create(fleet: id, state: state, output: output, signer: key)
  }
}
