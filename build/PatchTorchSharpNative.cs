// Compiled by MSBuild's RoslynCodeTaskFactory (see Directory.Build.targets); not part of any project.
//
// TorchSharp 0.107's libLibTorchSharp.so requires GLIBCXX_3.4.32 only for std::ios_base_library_init(),
// a symbol GCC 13's <iostream> references so the binary links against the newer libstdc++ but that nothing
// calls. Debian 12 ships libstdc++ from GCC 12 (up to GLIBCXX_3.4.30), so dlopen refuses the library.
// Marking that one version requirement weak (VER_FLG_WEAK in its Elf64_Vernaux entry) makes glibc treat the
// missing version as a warning. We patch a private copy in the build output, never the NuGet cache.
using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public sealed class RecSysPatchTorchSharpNative : Task
{
    private const string MissingVersion = "GLIBCXX_3.4.32";
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlagWeak = 0x2;

    private static readonly string[] LibStdCxxCandidates =
    {
        "/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/usr/lib64/libstdc++.so.6",
        "/lib64/libstdc++.so.6",
        "/usr/lib/libstdc++.so.6",
    };

    [Required]
    public string Folder { get; set; } = "";

    public override bool Execute()
    {
        var targets = new[]
        {
            Path.Combine(Folder, "runtimes", "linux-x64", "native", "libLibTorchSharp.so"),
            Path.Combine(Folder, "libLibTorchSharp.so"),
        };
        if (Array.TrueForAll(targets, t => !File.Exists(t)))
        {
            return true;
        }

        if (SystemLibStdCxxProvides(MissingVersion))
        {
            Log.LogMessage(MessageImportance.Low, "System libstdc++ provides " + MissingVersion + "; TorchSharp runs unpatched.");
            return true;
        }

        foreach (var target in targets)
        {
            if (!File.Exists(target))
            {
                continue;
            }

            try
            {
                switch (MarkVersionWeak(target))
                {
                    case PatchOutcome.Patched:
                        Log.LogMessage(MessageImportance.High, "Marked " + MissingVersion + " weak in " + target + " (Debian 12 libstdc++ lacks it).");
                        break;
                    case PatchOutcome.AlreadyWeak:
                        Log.LogMessage(MessageImportance.Low, target + " is already patched.");
                        break;
                    case PatchOutcome.NotReferenced:
                        Log.LogMessage(MessageImportance.Low, target + " does not require " + MissingVersion + ".");
                        break;
                }
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is InvalidDataException)
            {
                Log.LogError("Could not patch " + target + " for Debian 12's libstdc++: " + ex.Message);
                return false;
            }
        }

        return true;
    }

    private enum PatchOutcome { Patched, AlreadyWeak, NotReferenced }

    private static bool SystemLibStdCxxProvides(string version)
    {
        var needle = Encoding.ASCII.GetBytes(version + "\0");
        foreach (var candidate in LibStdCxxCandidates)
        {
            if (File.Exists(candidate))
            {
                return IndexOf(File.ReadAllBytes(candidate), needle) >= 0;
            }
        }

        // No libstdc++ where Debian-like systems keep it: patching is harmless (the flag only relaxes a check).
        return false;
    }

    private static PatchOutcome MarkVersionWeak(string path)
    {
        var elf = File.ReadAllBytes(path);
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
        {
            throw new InvalidDataException("not an ELF file");
        }
        if (elf[4] != 2 || elf[5] != 1)
        {
            throw new InvalidDataException("expected a 64-bit little-endian ELF file");
        }

        var sectionHeaderOffset = checked((long)U64(elf, 0x28));
        var sectionHeaderSize = U16(elf, 0x3A);
        var sectionCount = U16(elf, 0x3C);

        for (var s = 0; s < sectionCount; s++)
        {
            var header = sectionHeaderOffset + (long)s * sectionHeaderSize;
            if (U32(elf, header + 4) != ShtGnuVerneed)
            {
                continue;
            }

            var verneedOffset = checked((long)U64(elf, header + 24));
            var stringSection = U32(elf, header + 40);
            var verneedCount = U32(elf, header + 44);
            var stringTableOffset = checked((long)U64(elf, sectionHeaderOffset + (long)stringSection * sectionHeaderSize + 24));

            var need = verneedOffset;
            for (var n = 0; n < verneedCount; n++)
            {
                var auxCount = U16(elf, need + 2);
                var aux = need + U32(elf, need + 8);
                for (var a = 0; a < auxCount; a++)
                {
                    var name = CString(elf, stringTableOffset + U32(elf, aux + 8));
                    if (name == MissingVersion)
                    {
                        var flags = U16(elf, aux + 4);
                        if ((flags & VerFlagWeak) != 0)
                        {
                            return PatchOutcome.AlreadyWeak;
                        }

                        var patched = (ushort)(flags | VerFlagWeak);
                        elf[aux + 4] = (byte)(patched & 0xff);
                        elf[aux + 5] = (byte)(patched >> 8);
                        ReplaceFile(path, elf);
                        return PatchOutcome.Patched;
                    }
                    aux += U32(elf, aux + 12);
                }
                need += U32(elf, need + 12);
            }
        }

        return PatchOutcome.NotReferenced;
    }

    // Write a new file and rename it over the old one: the output copy may be a hard link into the NuGet cache,
    // which must stay pristine. Keeping the timestamp lets MSBuild's incremental copy skip the file next time.
    private static void ReplaceFile(string path, byte[] content)
    {
        var temp = path + ".recsys-patch";
        File.Copy(path, temp, true); // carries the file mode over
        File.WriteAllBytes(temp, content);
        File.SetLastWriteTimeUtc(temp, File.GetLastWriteTimeUtc(path));
        File.Replace(temp, path, null);
    }

    private static ushort U16(byte[] b, long o) => (ushort)(b[o] | b[o + 1] << 8);

    private static uint U32(byte[] b, long o) => (uint)(b[o] | b[o + 1] << 8 | b[o + 2] << 16 | b[o + 3] << 24);

    private static ulong U64(byte[] b, long o) => U32(b, o) | (ulong)U32(b, o + 4) << 32;

    private static string CString(byte[] b, long o)
    {
        var end = o;
        while (end < b.Length && b[end] != 0)
        {
            end++;
        }
        return Encoding.ASCII.GetString(b, (int)o, (int)(end - o));
    }

    private static int IndexOf(byte[] haystack, byte[] needle)
    {
        for (var i = 0; i <= haystack.Length - needle.Length; i++)
        {
            var j = 0;
            while (j < needle.Length && haystack[i + j] == needle[j])
            {
                j++;
            }
            if (j == needle.Length)
            {
                return i;
            }
        }
        return -1;
    }
}
