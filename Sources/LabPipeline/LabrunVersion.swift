/// labrun's version, recorded in run.json.
public enum LabrunVersion {
  public static let current = "0.1.0"
}
