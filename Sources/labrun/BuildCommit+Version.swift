import LabPipeline

extension BuildCommit {
  /// What `labrun --version` prints: the version and the commit labrun was built from.
  static var version: String {
    guard let id else {
      return
        "\(LabrunVersion.current) (commit unknown: built without git, LABRUN_COMMIT or a git-archive source)"
    }
    return "\(LabrunVersion.current) (commit \(id)\(modified ? ", with uncommitted changes" : ""))"
  }
}
