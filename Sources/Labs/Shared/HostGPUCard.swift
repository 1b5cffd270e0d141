import Foundation
import LabPipeline

/// The host's card as a bundle shows it, each fact with the artifact it came from.
///
/// The host's own artifact (`nvidia-smi`, `nvidia-smi -L` and the `--query-gpu` CSV, filed as
/// `0-host-gpu.txt` by every lab) comes first; a lab may add what else describes the card: a
/// scheduler's ``Registration`` of it, and the artifacts where a workload on the card ran its
/// own `nvidia-smi` (`workloadFiles`). The first source in this order wins:
/// - memory: the query's memory.total, the host table, then the registration;
/// - name: the query, `-L`, the registration, the host table (names there may be cut short
///   with `...`);
/// - UUID: the query, `-L`, the registration;
/// - driver: the query's driver_version, the host table's header, then a workload's table
///   header (`Driver Version:` or `KMD Version:`; workloads run on the host's driver);
/// - CUDA: the host table's header, then a workload's (which follows its image);
/// - GPU count: `-L` (physical GPUs only, MIG devices not counted), the query's rows, the host
///   table's rows, the registration's devices;
/// - MIG mode: the query's mig.mode.current (as printed: `[N/A]`, `Disabled`, `Enabled`), the
///   host table's MIG M. cell, then a workload table's (it sees the same card);
/// - compute mode: the query's compute_mode, when the lab asked for it.
///
/// On a host with several GPUs, `preferredUUID` (the GPU the lab's workloads got) picks the row
/// the per-card facts come from; otherwise the first GPU's.
public struct HostGPUCard: Sendable, Hashable {
  /// The card as another artifact describes it (e.g. HAMi's node registration), for what the
  /// host's own artifact does not show.
  public struct Registration: Sendable, Hashable {
    public var file: String
    public var name: String?
    public var uuid: String?
    public var memoryMiB: Int?
    public var gpuCount: Int?
    /// The line it was read from, for the excerpt when the card's memory came from it.
    public var line: String?

    public init(
      file: String, name: String?, uuid: String?, memoryMiB: Int?, gpuCount: Int?, line: String?
    ) {
      self.file = file
      self.name = name
      self.uuid = uuid
      self.memoryMiB = memoryMiB
      self.gpuCount = gpuCount
      self.line = line
    }
  }

  public var name: SourcedFact<String>?
  public var uuid: SourcedFact<String>?
  public var memoryMiB: SourcedFact<Int>?
  public var driver: SourcedFact<String>?
  public var cuda: SourcedFact<String>?
  /// `[N/A]` or `N/A` (no MIG), `Disabled` or `Enabled`.
  public var migMode: SourcedFact<String>?
  /// `Default`, `Exclusive_Process`, `Prohibited`; nil when the query did not ask.
  public var computeMode: SourcedFact<String>?
  /// Physical GPUs on the host.
  public var gpuCount: SourcedFact<Int>?
  /// Lines that showed the host's GPUs (header, `-L` lines, query lines).
  public var excerpt: [String]
  /// Whether the CUDA version is the one a workload's nvidia-smi reported (it may differ from
  /// the host's: it follows the workload's image).
  public var cudaFromWorkload: Bool

  /// Reads the card from `bundle`'s `hostFile`, then `registration`, then `workloadFiles`.
  public init(
    bundle: EvidenceBundle, hostFile: String, preferredUUID: String? = nil, registration: Registration? = nil,
    workloadFiles: [String] = []
  ) {
    let hostArtifact = bundle.artifact(hostFile)
    let hostLines = hostArtifact?.outputLines ?? []
    let query = hostArtifact.flatMap(NvidiaSMIQuery.init(artifact:))
    let list = NvidiaSMIList(lines: hostLines)
    let table = NvidiaSMITable(lines: hostLines)

    let row = query?.rows.first { $0["uuid"] == preferredUUID } ?? query?.rows.first
    let listed = list?.gpus.first { $0.uuid == preferredUUID } ?? list?.gpus.first
    let tableGPU = table?.gpus.first { $0.index == listed?.index } ?? table?.gpus.first

    func host<Value>(_ value: Value?) -> SourcedFact<Value>? { value.map { SourcedFact($0, from: hostFile) } }
    func registered<Value>(_ value: Value?) -> SourcedFact<Value>? {
      guard let registration else { return nil }
      return value.map { SourcedFact($0, from: registration.file) }
    }

    memoryMiB =
      host(NvidiaSMIQuery.mebibytes(row?["memory.total"])) ?? host(tableGPU?.memoryTotalMiB)
      ?? registered(registration?.memoryMiB)
    name = host(row?["name"]) ?? host(listed?.name) ?? registered(registration?.name) ?? host(tableGPU?.name)
    uuid = host(row?["uuid"]) ?? host(listed?.uuid) ?? registered(registration?.uuid)
    computeMode = host(row?["compute_mode"])
    gpuCount =
      host(list?.gpus.count) ?? host(query?.rows.count) ?? host(
        table.flatMap { $0.gpus.isEmpty ? nil : $0.gpus.count })
      ?? registered(registration?.gpuCount)

    var migMode = host(row?["mig.mode.current"] ?? tableGPU?.migMode)
    var driver = host(row?["driver_version"]) ?? host(table?.driverVersion)
    var cuda = host(table?.cudaVersion)
    var cudaFromWorkload = false
    for file in workloadFiles where driver == nil || cuda == nil || migMode == nil {
      guard let workloadTable = bundle.artifact(file).flatMap({ NvidiaSMITable(lines: $0.outputLines) })
      else {
        continue
      }
      if driver == nil, let version = workloadTable.driverVersion {
        driver = SourcedFact(version, from: file)
      }
      if cuda == nil, let version = workloadTable.cudaVersion {
        cuda = SourcedFact(version, from: file)
        cudaFromWorkload = true
      }
      // The workload sees the same card: its MIG M. cell is the card's MIG mode.
      if migMode == nil, let mode = workloadTable.gpus.first?.migMode {
        migMode = SourcedFact(mode, from: file)
      }
    }
    self.migMode = migMode
    self.driver = driver
    self.cuda = cuda
    self.cudaFromWorkload = cudaFromWorkload

    var excerpt: [String] = []
    if let header = table?.headerLine { excerpt.append(header) }
    excerpt += list?.gpus.map(\.line) ?? []
    excerpt += query?.lines ?? []
    if let registration, memoryMiB?.file == registration.file, let line = registration.line {
      excerpt.append(line)
    }
    self.excerpt = excerpt
  }

  /// Whether the evidence showed anything about the card.
  public var isKnown: Bool { name != nil || memoryMiB != nil || uuid != nil || gpuCount != nil }
}
