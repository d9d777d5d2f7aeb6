// Inline MSBuild task (RoslynCodeTaskFactory, see TorchSharpNativeFix.targets): marks one version
// reference in an ELF shared library's .gnu.version_r as weak (VER_FLG_WEAK), in a copy of the library.
// ELF64 little-endian only (the only layout TorchSharp ships for Linux x64).
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public class EcdWeakenElfVersionNeed : Task
{
    private const uint ShtRela = 4, ShtRel = 9, ShtDynsym = 11;
    private const uint ShtGnuVerdef = 0x6ffffffd, ShtGnuVerneed = 0x6ffffffe, ShtGnuVersym = 0x6fffffff;
    private const ushort VerFlgWeak = 0x2;

    [Required] public string Library { get; set; }
    [Required] public string OutputDirectory { get; set; }
    [Required] public string Version { get; set; }
    [Required] public string MarkerSymbol { get; set; }
    /// <summary>Candidate paths of the system libstdc++ (semicolon-separated); missing ones are skipped.</summary>
    [Required] public string SystemLibraries { get; set; }
    /// <summary>The patched copy, or empty when no patch is needed.</summary>
    [Output] public string PatchedLibrary { get; set; }

    private sealed class Section
    {
        public int Index;
        public uint Type;
        public long Offset;
        public long Size;
        public uint Link;
        public long EntSize;
    }

    public override bool Execute()
    {
        PatchedLibrary = "";
        try
        {
            return Run();
        }
        catch (InvalidDataException e)
        {
            Log.LogError("TorchSharp native fix: {0}: {1}", Library, e.Message);
            return false;
        }
    }

    private bool Run()
    {
        foreach (string candidate in SystemLibraries.Split(new[] { ';' }, StringSplitOptions.RemoveEmptyEntries))
        {
            if (!File.Exists(candidate))
                continue;
            byte[] sys = File.ReadAllBytes(candidate);
            if (IsElf64Le(sys) && DefinedVersions(sys).Contains(Version))
            {
                Log.LogMessage(MessageImportance.Low,
                    "TorchSharp native fix: {0} defines {1}; {2} is used as it is.", candidate, Version, Path.GetFileName(Library));
                return true;
            }
        }

        byte[] elf = File.ReadAllBytes(Library);
        if (!IsElf64Le(elf))
            throw new InvalidDataException("not a 64-bit little-endian ELF file");
        var sections = ReadSections(elf);
        Section verneed = Single(sections, ShtGnuVerneed, ".gnu.version_r");
        Section versym = Single(sections, ShtGnuVersym, ".gnu.version");
        Section dynsym = Single(sections, ShtDynsym, ".dynsym");
        Section verneedStrings = sections[(int)verneed.Link];

        // Find the vernaux entry naming the version.
        long flagsAt = -1;
        int versionIndex = -1;
        bool alreadyWeak = false;
        long vn = verneed.Offset;
        while (true)
        {
            ushort cnt = U16(elf, vn + 2);
            long aux = vn + U32(elf, vn + 8);
            for (int i = 0; i < cnt; i++)
            {
                string name = CString(elf, verneedStrings.Offset + U32(elf, aux + 8));
                if (name == Version)
                {
                    flagsAt = aux + 4;
                    alreadyWeak = (U16(elf, flagsAt) & VerFlgWeak) != 0;
                    versionIndex = U16(elf, aux + 6) & 0x7fff;
                }
                aux += U32(elf, aux + 12);
            }
            uint next = U32(elf, vn + 12);
            if (next == 0)
                break;
            vn += next;
        }
        if (flagsAt < 0)
        {
            Log.LogMessage(MessageImportance.Low, "TorchSharp native fix: {0} does not need {1}; nothing to do.", Library, Version);
            return true;
        }

        // Every dynamic symbol bound to that version must be the marker.
        Section dynstr = sections[(int)dynsym.Link];
        long symbols = dynsym.Size / 24;
        var bound = new HashSet<long>();
        for (long i = 0; i < symbols && 2 * i < versym.Size; i++)
        {
            if ((U16(elf, versym.Offset + 2 * i) & 0x7fff) != versionIndex)
                continue;
            string name = CString(elf, dynstr.Offset + U32(elf, dynsym.Offset + 24 * i));
            if (name != MarkerSymbol)
                throw new InvalidDataException(string.Format(
                    "symbol {0} is bound to {1}; only {2} may be, so weakening the version is not safe", name, Version, MarkerSymbol));
            bound.Add(i);
        }

        // No relocation may refer to a symbol of that version (not even the marker).
        foreach (var s in sections)
        {
            if ((s.Type != ShtRela && s.Type != ShtRel) || s.Link != dynsym.Index)
                continue;
            long size = s.EntSize > 0 ? s.EntSize : (s.Type == ShtRela ? 24 : 16);
            for (long r = s.Offset; r + size <= s.Offset + s.Size; r += size)
            {
                long sym = (long)(U64(elf, r + 8) >> 32);
                if (bound.Contains(sym))
                    throw new InvalidDataException(string.Format(
                        "a relocation at 0x{0:x} refers to {1}@{2}; weakening the version is not safe",
                        U64(elf, r), CString(elf, dynstr.Offset + U32(elf, dynsym.Offset + 24 * sym)), Version));
            }
        }

        if (alreadyWeak)
        {
            Log.LogMessage(MessageImportance.Low, "TorchSharp native fix: {0} already marks {1} weak.", Library, Version);
            return true;
        }

        ushort flags = (ushort)(U16(elf, flagsAt) | VerFlgWeak);
        elf[flagsAt] = (byte)flags;
        elf[flagsAt + 1] = (byte)(flags >> 8);

        Directory.CreateDirectory(OutputDirectory);
        string target = Path.Combine(OutputDirectory, Path.GetFileName(Library));
        if (!File.Exists(target) || !SameBytes(File.ReadAllBytes(target), elf))
        {
            string tmp = target + ".tmp";
            File.WriteAllBytes(tmp, elf);
            if (File.Exists(target))
                File.Delete(target);
            File.Move(tmp, target);
            Log.LogMessage(MessageImportance.High,
                "TorchSharp native fix: the system libstdc++ lacks {0}; wrote {1} with that version reference weak ({2} symbol(s), no relocations).",
                Version, target, bound.Count);
        }
        PatchedLibrary = target;
        return true;
    }

    private static bool IsElf64Le(byte[] b) =>
        b.Length > 64 && b[0] == 0x7f && b[1] == (byte)'E' && b[2] == (byte)'L' && b[3] == (byte)'F' && b[4] == 2 && b[5] == 1;

    private static List<Section> ReadSections(byte[] elf)
    {
        long shoff = (long)U64(elf, 0x28);
        ushort shentsize = U16(elf, 0x3a), shnum = U16(elf, 0x3c);
        if (shoff <= 0 || shentsize < 64 || shoff + (long)shentsize * shnum > elf.Length)
            throw new InvalidDataException("the section header table is missing or truncated");
        var list = new List<Section>();
        for (int i = 0; i < shnum; i++)
        {
            long h = shoff + (long)shentsize * i;
            var s = new Section
            {
                Index = i,
                Type = U32(elf, h + 4),
                Offset = (long)U64(elf, h + 24),
                Size = (long)U64(elf, h + 32),
                Link = U32(elf, h + 40),
                EntSize = (long)U64(elf, h + 56),
            };
            if (s.Type != 8 /* SHT_NOBITS */ && s.Offset + s.Size > elf.Length)
                throw new InvalidDataException(string.Format("section {0} extends past the end of the file", i));
            list.Add(s);
        }
        return list;
    }

    private static Section Single(List<Section> sections, uint type, string name)
    {
        Section found = null;
        foreach (var s in sections)
            if (s.Type == type)
            {
                if (found != null)
                    throw new InvalidDataException("more than one " + name + " section");
                found = s;
            }
        if (found == null)
            throw new InvalidDataException("no " + name + " section");
        return found;
    }

    /// <summary>The version names a library defines (.gnu.version_d); empty when it has none.</summary>
    private static HashSet<string> DefinedVersions(byte[] elf)
    {
        var names = new HashSet<string>();
        var sections = ReadSections(elf);
        foreach (var s in sections)
        {
            if (s.Type != ShtGnuVerdef)
                continue;
            long strings = sections[(int)s.Link].Offset;
            long vd = s.Offset;
            while (true)
            {
                ushort cnt = U16(elf, vd + 6);
                long aux = vd + U32(elf, vd + 12);
                for (int i = 0; i < cnt; i++)
                {
                    names.Add(CString(elf, strings + U32(elf, aux)));
                    aux += U32(elf, aux + 4);
                }
                uint next = U32(elf, vd + 16);
                if (next == 0)
                    break;
                vd += next;
            }
        }
        return names;
    }

    private static bool SameBytes(byte[] a, byte[] b)
    {
        if (a.Length != b.Length)
            return false;
        for (int i = 0; i < a.Length; i++)
            if (a[i] != b[i])
                return false;
        return true;
    }

    private static void Check(byte[] b, long at, int n)
    {
        if (at < 0 || at + n > b.Length)
            throw new InvalidDataException(string.Format("offset 0x{0:x} lies outside the file", at));
    }

    private static ushort U16(byte[] b, long at)
    {
        Check(b, at, 2);
        return (ushort)(b[at] | b[at + 1] << 8);
    }

    private static uint U32(byte[] b, long at)
    {
        Check(b, at, 4);
        return (uint)(b[at] | b[at + 1] << 8 | b[at + 2] << 16 | b[at + 3] << 24);
    }

    private static ulong U64(byte[] b, long at) => U32(b, at) | (ulong)U32(b, at + 4) << 32;

    private static string CString(byte[] b, long at)
    {
        Check(b, at, 1);
        long end = at;
        while (end < b.Length && b[end] != 0)
            end++;
        return Encoding.ASCII.GetString(b, (int)at, (int)(end - at));
    }
}
