import Foundation

/// One exercise's check: reads the bundle, returns a verdict with its evidence.
public protocol ExerciseCheck: Sendable {
  /// "1" … "5".
  var id: String { get }
  var title: String { get }
  /// The pass criteria, in the page's words.
  var criteria: String { get }
  /// Decides the exercise from the evidence alone. Never throws: missing or unparseable
  /// evidence is an INCONCLUSIVE result that says what is missing.
  func evaluate(_ bundle: EvidenceBundle) -> ExerciseResult
}

/// A lab the verifier knows: its checks, how to describe the environment, and its page text.
public protocol ValidationLab: Sendable {
  /// run.json's `lab` (e.g. `hami-isolation-realgpu`).
  var name: String { get }
  var checks: [any ExerciseCheck] { get }
  /// The Environment table, derived from the artifacts.
  func environment(of bundle: EvidenceBundle) -> EnvironmentSummary
  /// The page's words for this outcome: what passed proves, and the scope limits.
  func page(results: [ExerciseResult], environment: EnvironmentSummary, bundle: EvidenceBundle) -> LabPage
}

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

/// A lab's words on the page.
public struct LabPage: Sendable, Hashable {
  public var title: String
  /// The lab's directory as cited on the status line, e.g. `hami-isolation-realgpu/`.
  public var labPath: String
  /// What a validated run adds, appended to a VALIDATED status line.
  public var validatedBlurb: String
  public var provesHeading: String
  /// One bullet per claim whose exercises all passed.
  public var proves: [String]
  /// Scope-limit paragraphs, shown whatever the outcome.
  public var scopeLimits: [String]

  public init(
    title: String, labPath: String, validatedBlurb: String, provesHeading: String, proves: [String],
    scopeLimits: [String]
  ) {
    self.title = title
    self.labPath = labPath
    self.validatedBlurb = validatedBlurb
    self.provesHeading = provesHeading
    self.proves = proves
    self.scopeLimits = scopeLimits
  }
}
