import Foundation

/// The Environment table and the headline facts `--format json` exposes.
public struct EnvironmentSummary: Sendable, Hashable {
  /// One row of the Environment table.
  public struct Row: Sendable, Hashable {
    public var item: String
    public var value: String

    public init(_ item: String, _ value: String) {
      self.item = item
      self.value = value
    }
  }

  public var rows: [Row]
  /// GPU model name, e.g. `NVIDIA RTX A6000`.
  public var gpu: String?
  public var gpuMemoryMiB: Int?
  public var gpuUUID: String?
  public var driver: String?
  public var cuda: String?
  /// Kubernetes server version as the node reports it, e.g. `v1.33.1+k3s1`.
  public var kubernetes: String?
  /// The Machine row's text.
  public var machine: String?
  /// A note printed under the table.
  public var note: String?

  public init(
    rows: [Row] = [], gpu: String? = nil, gpuMemoryMiB: Int? = nil, gpuUUID: String? = nil,
    driver: String? = nil,
    cuda: String? = nil, kubernetes: String? = nil, machine: String? = nil, note: String? = nil
  ) {
    self.rows = rows
    self.gpu = gpu
    self.gpuMemoryMiB = gpuMemoryMiB
    self.gpuUUID = gpuUUID
    self.driver = driver
    self.cuda = cuda
    self.kubernetes = kubernetes
    self.machine = machine
    self.note = note
  }
}
