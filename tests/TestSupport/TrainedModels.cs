using RecSys.Models.Artifacts;
using RecSys.Models.Data;

namespace RecSys.TestSupport;

/// <summary>
/// A small artifacts folder trained once per test process: GRU4Rec, YouTube-DNN and DIN (two epochs each) on a
/// synthetic dataset, as version "v1", and the same models copied as version "v2" (for activation and swap tests).
/// </summary>
public static class TrainedModels
{
    public const string Models = "gru4rec,youtubednn,din";

    private static readonly Lock Gate = new();
    private static readonly Dictionary<string, string> Folders = new(StringComparer.Ordinal);

    /// <summary>The artifacts folder for <paramref name="data"/> (a dataset spec), training it on first use.</summary>
    public static string Folder(string data = RecSysApiFactory.TestData)
    {
        lock (Gate)
        {
            if (Folders.TryGetValue(data, out var folder))
            {
                return folder;
            }
            folder = Path.Combine(Path.GetTempPath(), "recsys-tests-models-" + Guid.NewGuid().ToString("N")[..8]);
            var dataset = DatasetSpec.Parse(data).Load();
            var settings = new Dictionary<string, Dictionary<string, string>>
            {
                ["gru4rec"] = new() { ["epochs"] = "2" },
                ["youtubednn"] = new() { ["epochs"] = "2" },
                ["din"] = new() { ["epochs"] = "2" },
            };
            ArtifactTrainer.Train(Models.Split(','), settings, dataset, Path.Combine(folder, "v1"), seed: 7, device: "cpu");
            CopyFolder(Path.Combine(folder, "v1"), Path.Combine(folder, "v2"));
            Folders[data] = folder;
            return folder;
        }
    }

    /// <summary>Copies a version folder under a new name (a distinct version with the same weights).</summary>
    public static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
