/// Scenes compiled into the program, so `normscope` works from any directory.
public enum BuiltinScenes {
  /// The default scene `normscope` opens.
  public static func defaultScene() throws(SceneErrors) -> Scene {
    try SceneParser.parse(tour, file: "tour.scene (built in)")
  }
}
