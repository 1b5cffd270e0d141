/// Every name the HAMi-core isolation lab's evidence is filed under. The step that captures a
/// file and the check that cites it both take its name from here.
enum HAMiCoreCatalog {
  /// Host `nvidia-smi`, `nvidia-smi -L` and the `--query-gpu` CSV.
  static let hostGPU = "0-host-gpu.txt"
  /// `/etc/os-release` and `uname -r`.
  static let os = "0-os.txt"
  /// `nvcc --version` and the compilation of the probes.
  static let build = "0-probe-build.txt"
  /// Where libvgpu.so came from and its SHA-256 (exercise 5).
  static let library = "5-library.txt"
  /// The side-by-side launch and the host's `nvidia-smi --query-compute-apps` sample (exercise 1).
  static let coResidency = "1-co-residency.txt"
  /// The unlimited and single-tenant limited throughput runs (exercise 6): the probe's stdout,
  /// each line timestamped on capture.
  static let computeAlone = "6-compute-alone.txt"
  /// HAMi-core's stderr (LIBCUDA_LOG_LEVEL=3) of the same runs, a section per run under the same
  /// command, each line timestamped on capture.
  static let computeAloneLog = "6-compute-alone-hami-core.txt"
  /// Two tenants with different core limits at the same time (exercise 6), and the host's view.
  static let computePair = "6-compute-pair.txt"
  /// HAMi-core's stderr of the pair's runs.
  static let computePairLog = "6-compute-pair-hami-core.txt"
  /// The victim alone, beside an unlimited aggressor and beside a limited one (exercise 7).
  static let neighbour = "7-noisy-neighbour.txt"
  /// HAMi-core's stderr of exercise 7's runs.
  static let neighbourLog = "7-noisy-neighbour-hami-core.txt"

  /// `nvidia-smi` under one tenant's preload, then its memory probe alone (exercises 2, 3, 5).
  static func tenantAlone(_ tenant: String) -> String { "2-3-tenant-\(tenant).txt" }
  /// One tenant's memory probe while the others run (exercise 4).
  static func tenantConcurrent(_ tenant: String) -> String { "4-concurrent-\(tenant).txt" }

  /// The prefix of the private directory the lab stages in (`mktemp -d`).
  static let workDirectoryPrefix = "labrun-hami-core."
}
