import Foundation
import LabPipeline

/// The facts every HAMi check needs, read once from a bundle: the run's parameters (the lab
/// reads its own from run.json) and the host card as ``HAMiCatalog/hostGPU`` shows it.
public struct HAMiEvidence: Sendable {
  /// The lab's defaults, used only for imported evidence that has no run.json.
  static let defaultSliceMiB = 8000
  static let defaultOversubscribeMiB = 45000

  /// The host's card.
  public struct Card: Sendable, Hashable {
    public var name: String?
    public var uuid: String?
    public var memoryMiB: Int?
    public var driver: String?
    public var cuda: String?
    /// `N/A`, `Disabled` or `Enabled`.
    public var migMode: String?
    /// Physical GPUs the host shows; nil when unknown.
    public var gpuCount: Int?
    /// Lines that showed the facts.
    public var excerpt: [String]
  }

  public let bundle: EvidenceBundle
  public let sliceMiB: Int?
  public let oversubscribeMiB: Int?
  public let sharePods: [String]
  /// Whether the parameters are the lab's defaults rather than run.json's.
  public let parametersAssumed: Bool
  public let card: Card?

  public init(_ bundle: EvidenceBundle) {
    self.bundle = bundle
    let parameters = bundle.run.parameters
    let recordedSlice = parameters["slice_mib"]?.wholeNumber
    let recordedOversubscribe = parameters["oversubscribe_mib"]?.wholeNumber
    sharePods = Self.distinct(parameters["share_pods"]?.names ?? HAMiCatalog.sharePods)
    if case .imported = bundle.provenance {
      sliceMiB = recordedSlice ?? Self.defaultSliceMiB
      oversubscribeMiB = recordedOversubscribe ?? Self.defaultOversubscribeMiB
      parametersAssumed = recordedSlice == nil
    } else {
      sliceMiB = recordedSlice
      oversubscribeMiB = recordedOversubscribe
      parametersAssumed = false
    }
    card = bundle.artifact(HAMiCatalog.hostGPU).flatMap(Self.card(from:))
  }

  /// Why the share pods cannot each be evidenced by their own probe file, if they cannot:
  /// fewer than two named, or two pods mapping to one `-<suffix>` file.
  public var sharePodsProblem: String? {
    if sharePods.count < 2 {
      return
        "run.json names \(sharePods.count) distinct share pod(s); the lab shares the card between two or more"
    }
    let suffixes = sharePods.map(HAMiCatalog.suffix(of:))
    if Set(suffixes).count != suffixes.count {
      return "share pods \(sharePods.joined(separator: ", ")) do not map to distinct artifact files"
    }
    return nil
  }

  /// What checks 2 and 3 need before they look at the pods: usable share pods, the slice and
  /// the card's memory, with the host GPU artifact cited.
  func sliceAndCard(citingInto outcome: inout CheckOutcome) throws(Inconclusive) -> (slice: Int, cardMiB: Int)
  {
    if let problem = sharePodsProblem { throw Inconclusive(reason: problem) }
    guard let slice = sliceMiB else {
      throw Inconclusive(reason: "run.json has no slice_mib: the expected slice is unknown")
    }
    outcome.cite(bundle.artifact(HAMiCatalog.hostGPU))
    guard let cardMiB = card?.memoryMiB else {
      throw Inconclusive(reason: "\(HAMiCatalog.hostGPU) missing or unreadable: the card's memory is unknown")
    }
    return (slice, cardMiB)
  }

  private static func distinct(_ pods: [String]) -> [String] {
    var seen: Set<String> = []
    return pods.filter { seen.insert($0).inserted }
  }

  private static func card(from artifact: Artifact) -> Card? {
    let lines = artifact.outputLines
    let query = NvidiaSMIQuery(lines: lines)
    let list = NvidiaSMIList(lines: lines)
    let table = NvidiaSMITable(lines: lines)
    guard query != nil || list != nil || table != nil else { return nil }
    let row = query?.rows.first
    let tableGPU = table?.gpus.first
    var excerpt: [String] = []
    if let header = table?.headerLine { excerpt.append(header) }
    excerpt += list?.gpus.map(\.line) ?? []
    excerpt += query?.lines ?? []
    let mig = row?["mig.mode.current"].map { $0 == "[N/A]" ? "N/A" : $0 } ?? tableGPU?.migMode
    let count = list?.gpus.count ?? query?.rows.count ?? table?.gpus.count
    return Card(
      name: row?["name"] ?? list?.gpus.first?.name ?? tableGPU?.name,
      uuid: row?["uuid"] ?? list?.gpus.first?.uuid,
      memoryMiB: NvidiaSMIQuery.mebibytes(row?["memory.total"]) ?? tableGPU?.memoryTotalMiB,
      driver: row?["driver_version"] ?? table?.driverVersion,
      cuda: table?.cudaVersion, migMode: mig, gpuCount: count, excerpt: excerpt)
  }
}
