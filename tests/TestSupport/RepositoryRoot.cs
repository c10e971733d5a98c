namespace RecSys.TestSupport;

/// <summary>The checkout the tests run from, found by walking up to RecSys.sln.</summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "RecSys.sln")))
            {
                return dir.FullName;
            }
        }
        throw new DirectoryNotFoundException("RecSys.sln not found above " + AppContext.BaseDirectory);
    }
}
