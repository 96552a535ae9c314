public enum ModelVersion { public static let string = "0.1.0" }
