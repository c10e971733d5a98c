using System.Text;

namespace RecSys.Models.Data;

/// <summary>Numbered, non-empty lines of a text file, for loaders that report errors by line.</summary>
internal static class TextLines
{
    public static IEnumerable<(int Number, string Text)> Read(string path, Encoding encoding, bool skipHeader = false)
    {
        var number = 0;
        foreach (var line in File.ReadLines(path, encoding))
        {
            number++;
            if (skipHeader && number == 1)
            {
                continue;
            }
            if (line.Length == 0 || (line.Length == 1 && line[0] == '\r'))
            {
                continue;
            }
            yield return (number, line.TrimEnd('\r'));
        }
    }

    public static string RequireFile(string folder, string name)
    {
        var path = Path.Combine(folder, name);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{name} not found in {folder}", path);
    }

    public static void RequireFolder(string folder, string what)
    {
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"{what} folder not found: {folder}");
        }
    }
}
