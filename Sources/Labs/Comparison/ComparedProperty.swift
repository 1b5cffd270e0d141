/// One row of `labrun compare`: a property some lab measures, in the page's order.
public enum ComparedProperty: String, Sendable, Hashable, Codable, CaseIterable {
  case coResidency = "co-residency"
  case viewVirtualised = "view virtualised"
  case memoryLimit = "memory cap: limit"
  case memoryRefusedAt = "memory cap: where refused"
  case memoryUsableShare = "memory cap: usable share of the slice"
  case memoryOOMExactness = "memory cap: OOM exactness"
  case perTenantLimits = "per-tenant limits"
  case computeAccuracy = "compute limit: |measured - expected|"
  case pairShares = "pair shares and fairness"
  case noisyNeighbour = "noisy-neighbour impact"
  case mechanism = "mechanism"
  case mig = "MIG"
}

/// One cell: what a run showed for a property, with the artifacts it rests on.
public struct ComparedCell: Sendable, Hashable, Codable {
  /// The artifacts cited, named by run id and artifact name (never by where the bundle lies).
  public struct Citation: Sendable, Hashable, Codable {
    public var runID: String
    public var artifact: String
    public var sha256: String

    enum CodingKeys: String, CodingKey {
      case runID = "run_id"
      case artifact, sha256
    }
  }

  public var text: String
  public var evidence: [Citation]

  /// What a run that does not measure the property shows.
  public static let notMeasured = ComparedCell(text: "not measured", evidence: [])
}
