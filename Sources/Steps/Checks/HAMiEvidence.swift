import Foundation
import LabPipeline

/// The facts every HAMi check needs, read once from a bundle: the run's parameters and the
/// host card as `0-host-gpu.txt` shows it.
public struct HAMiEvidence: Sendable {
  /// The lab's defaults, used only for imported evidence that has no run.json.
  public static let defaultSharePods = ["hami-share-a", "hami-share-b"]
  public static let defaultSliceMiB = 8000
  public static let defaultOversubscribeMiB = 45000
  public static let oversubscribePod = "hami-oversubscribe"

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
    if case .imported = bundle.provenance {
      sliceMiB = parameters.sliceMiB ?? Self.defaultSliceMiB
      oversubscribeMiB = parameters.oversubscribeMiB ?? Self.defaultOversubscribeMiB
      sharePods = Self.distinct(parameters.sharePods ?? Self.defaultSharePods)
      parametersAssumed = parameters.sliceMiB == nil
    } else {
      sliceMiB = parameters.sliceMiB
      oversubscribeMiB = parameters.oversubscribeMiB
      sharePods = Self.distinct(parameters.sharePods ?? Self.defaultSharePods)
      parametersAssumed = false
    }
    card = bundle.artifact(Self.hostGPUFile).flatMap(Self.card(from:))
  }

  public static let hostGPUFile = "0-host-gpu.txt"

  /// Why the share pods cannot each be evidenced by their own probe file, if they cannot:
  /// fewer than two named, or two pods mapping to one `-<suffix>` file.
  public var sharePodsProblem: String? {
    if sharePods.count < 2 {
      return
        "run.json names \(sharePods.count) distinct share pod(s); the lab shares the card between two or more"
    }
    let suffixes = sharePods.map(Self.suffix(of:))
    if Set(suffixes).count != suffixes.count {
      return "share pods \(sharePods.joined(separator: ", ")) do not map to distinct artifact files"
    }
    return nil
  }

  /// What checks 2 and 3 need before they look at the pods: usable share pods, the slice and
  /// the card's memory, with the host GPU artifact cited. `.failure` carries the reason the
  /// exercise is INCONCLUSIVE.
  func sliceAndCard(citingInto outcome: inout PodOutcomes) -> Result<(slice: Int, cardMiB: Int), Inconclusive>
  {
    if let problem = sharePodsProblem { return .failure(Inconclusive(reason: problem)) }
    guard let slice = sliceMiB else {
      return .failure(Inconclusive(reason: "run.json has no slice_mib: the expected slice is unknown"))
    }
    outcome.cite(bundle.artifact(Self.hostGPUFile))
    guard let cardMiB = card?.memoryMiB else {
      return .failure(
        Inconclusive(reason: "\(Self.hostGPUFile) missing or unreadable: the card's memory is unknown"))
    }
    return .success((slice, cardMiB))
  }

  /// Why an exercise cannot be decided.
  struct Inconclusive: Error {
    var reason: String
  }

  private static func distinct(_ pods: [String]) -> [String] {
    var seen: Set<String> = []
    return pods.filter { seen.insert($0).inserted }
  }

  /// `2-3-probe-memory-a.txt` for `hami-share-a`.
  public static func probeFile(for pod: String) -> String {
    "2-3-probe-memory-\(suffix(of: pod)).txt"
  }

  /// `5-probe-mechanism-a.txt` for `hami-share-a`.
  public static func mechanismFile(for pod: String) -> String {
    "5-probe-mechanism-\(suffix(of: pod)).txt"
  }

  /// The pod name's last `-` component (`hami-share-a` → `a`).
  public static func suffix(of pod: String) -> String {
    pod.split(separator: "-").last.map(String.init) ?? pod
  }

  /// A citation of `artifact`.
  static func cite(_ artifacts: Artifact?...) -> [EvidenceCitation] {
    artifacts.compactMap { $0 }.map(EvidenceCitation.init)
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
