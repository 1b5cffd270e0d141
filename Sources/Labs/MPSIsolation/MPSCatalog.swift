/// Every name the MPS isolation lab's evidence is filed under. The step that captures a file and
/// the check that cites it both take its name from here.
enum MPSCatalog {
  /// Host `nvidia-smi`, `nvidia-smi -L` and the `--query-gpu` CSV (compute mode included).
  static let hostGPU = "0-host-gpu.txt"
  /// `/etc/os-release` and `uname -r`.
  static let os = "0-os.txt"
  /// `nvcc --version` and the compilation of the probes.
  static let build = "0-probe-build.txt"
  /// The start of the private MPS control daemon: its command and its log (exercise 5).
  static let daemon = "5-mps-daemon.txt"
  /// The host's `nvidia-smi --query-compute-apps` sample while the clients ran side by side, the
  /// daemon's server list and its log (exercises 1 and 5).
  static let coResidency = "1-co-residency.txt"
  /// The throughput runs: unlimited, each active thread percentage alone (exercise 6).
  static let computeAlone = "6-compute-alone.txt"
  /// Two clients with different percentages at the same time (exercise 6).
  static let computePair = "6-compute-pair.txt"
  /// The victim alone, then beside its noisy neighbour (exercise 7).
  static let noisy = "7-noisy-neighbour.txt"
  /// The daemon quit, and what is left of it afterwards (teardown).
  static let stopped = "9-mps-stopped.txt"

  /// One client's environment, `nvidia-smi`, then its memory probe alone (exercises 2, 3, 5).
  static func tenantAlone(_ tenant: String) -> String { "2-3-client-\(tenant).txt" }
  /// One client's memory probe while the others run (exercise 4).
  static func tenantConcurrent(_ tenant: String) -> String { "4-concurrent-\(tenant).txt" }

  /// The prefix of the private directory the lab stages in (`mktemp -d`).
  static let workDirectoryPrefix = "labrun-mps."
}
