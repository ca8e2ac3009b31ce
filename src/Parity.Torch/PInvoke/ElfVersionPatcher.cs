using System.Buffers.Binary;
using System.Text;

namespace Parity.Torch.PInvoke;

/// <summary>What <see cref="ElfVersionPatcher.WeakenVersionNeed"/> changed in a shared object.</summary>
/// <param name="Version">The version requirement that was made weak (for example <c>GLIBCXX_3.4.32</c>).</param>
/// <param name="Library">The library that requirement names (for example <c>libstdc++.so.6</c>).</param>
/// <param name="DemotedSymbols">Undefined symbols that were bound to that version and are now unversioned.</param>
/// <param name="RelocatedSymbols">Those of <paramref name="DemotedSymbols"/> that some relocation refers to; each needs a definition at load time.</param>
public sealed record ElfPatchResult(string Version, string Library, IReadOnlyList<string> DemotedSymbols, IReadOnlyList<string> RelocatedSymbols);

/// <summary>
/// A small, fixed-size editor for the symbol-versioning tables of a 64-bit little-endian ELF shared object.
/// </summary>
/// <remarks>
/// <para>
/// The dynamic loader refuses a library whose <c>.gnu.version_r</c> (SHT_GNU_verneed) names a version that the
/// providing library lacks, unless that requirement carries <c>VER_FLG_WEAK</c>. The patch sets that flag on one
/// requirement and rewrites the <c>.gnu.version</c> (SHT_GNU_versym) entry of every undefined symbol bound to it to 1
/// (global, unversioned), so such a symbol binds to any definition in the global scope.
/// </para>
/// <para>Only existing bytes are changed: no section grows, no offset moves.</para>
/// </remarks>
public static class ElfVersionPatcher
{
    private const uint ShtDynsym = 11;
    private const uint ShtRela = 4;
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const uint ShtGnuVersym = 0x6fffffff;
    private const ushort VerFlgWeak = 0x2;
    private const int SymEntrySize = 24;
    private const int RelaEntrySize = 24;

    /// <summary>Lists the version requirements (<c>library: version</c>) a shared object declares.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a 64-bit little-endian ELF file with version tables.</exception>
    public static IReadOnlyList<(string Library, string Version, bool Weak)> VersionNeeds(ReadOnlySpan<byte> elf)
    {
        var file = new ElfFile(elf.ToArray());
        var list = new List<(string, string, bool)>();
        file.ForEachVernaux((lib, name, flagsOffset, _) =>
            list.Add((lib, name, (file.U16(flagsOffset) & VerFlgWeak) != 0)));
        return list;
    }

    /// <summary>
    /// Makes the requirement <paramref name="version"/> weak and unversions the symbols bound to it, in place.
    /// </summary>
    /// <param name="elf">The whole file; modified in place.</param>
    /// <param name="version">The version requirement to weaken, e.g. <c>GLIBCXX_3.4.32</c>.</param>
    /// <returns>What was changed.</returns>
    /// <exception cref="InvalidDataException">Not a 64-bit little-endian ELF, or no such version requirement.</exception>
    public static ElfPatchResult WeakenVersionNeed(byte[] elf, string version)
    {
        ArgumentNullException.ThrowIfNull(elf);
        var file = new ElfFile(elf);
        int flagsOffset = -1;
        ushort index = 0;
        string library = "";
        file.ForEachVernaux((lib, name, fOff, other) =>
        {
            if (name == version && flagsOffset < 0)
            {
                flagsOffset = fOff;
                index = other;
                library = lib;
            }
        });
        if (flagsOffset < 0)
        {
            throw new InvalidDataException($"the ELF file has no version requirement named '{version}'");
        }
        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(flagsOffset), (ushort)(file.U16(flagsOffset) | VerFlgWeak));

        var versym = file.Section(ShtGnuVersym) ?? throw new InvalidDataException("the ELF file has no .gnu.version section");
        var dynsym = file.Section(ShtDynsym) ?? throw new InvalidDataException("the ELF file has no .dynsym section");
        var dynstr = file.SectionAt((int)dynsym.Link);
        int count = (int)(dynsym.Size / SymEntrySize);
        var demoted = new List<string>();
        var demotedIndices = new HashSet<int>();
        for (int i = 0; i < count; i++)
        {
            int vOff = (int)versym.Offset + (2 * i);
            if ((file.U16(vOff) & 0x7fff) != index)
            {
                continue;
            }
            BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(vOff), 1);
            int symOff = (int)dynsym.Offset + (i * SymEntrySize);
            demoted.Add(file.String(dynstr, file.U32(symOff)));
            demotedIndices.Add(i);
        }

        var relocated = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var rela in file.Sections(ShtRela))
        {
            if (rela.Link != file.IndexOf(dynsym))
            {
                continue;
            }
            for (long r = 0; r + RelaEntrySize <= rela.Size; r += RelaEntrySize)
            {
                ulong info = file.U64((int)(rela.Offset + r + 8));
                int sym = (int)(info >> 32);
                if (demotedIndices.Contains(sym))
                {
                    int symOff = (int)dynsym.Offset + (sym * SymEntrySize);
                    relocated.Add(file.String(dynstr, file.U32(symOff)));
                }
            }
        }
        return new ElfPatchResult(version, library, demoted, relocated.ToList());
    }

    private sealed record SectionHeader(int Index, uint Type, long Offset, long Size, uint Link, uint Info);

    /// <summary>Read access to the parts of an ELF64 LE file that versioning needs, with bounds checks.</summary>
    private sealed class ElfFile
    {
        private readonly byte[] _b;
        private readonly List<SectionHeader> _sections = [];

        public ElfFile(byte[] bytes)
        {
            _b = bytes;
            if (bytes.Length < 64 || bytes[0] != 0x7f || bytes[1] != (byte)'E' || bytes[2] != (byte)'L' || bytes[3] != (byte)'F')
            {
                throw new InvalidDataException("not an ELF file (bad magic)");
            }
            if (bytes[4] != 2 || bytes[5] != 1)
            {
                throw new InvalidDataException("only 64-bit little-endian ELF files are supported");
            }
            long shoff = (long)U64(0x28);
            int shentsize = U16(0x3A);
            int shnum = U16(0x3C);
            if (shentsize != 64 || shoff <= 0 || shoff + ((long)shnum * 64) > bytes.Length)
            {
                throw new InvalidDataException("the ELF section header table is missing or truncated");
            }
            for (int i = 0; i < shnum; i++)
            {
                int o = (int)shoff + (i * 64);
                var s = new SectionHeader(i, U32(o + 4), (long)U64(o + 0x18), (long)U64(o + 0x20), U32(o + 0x28), U32(o + 0x2C));
                if (s.Type != 8 /* NOBITS */ && s.Offset + s.Size > bytes.Length)
                {
                    throw new InvalidDataException($"ELF section {i} extends past the end of the file");
                }
                _sections.Add(s);
            }
        }

        public ushort U16(int o) => BinaryPrimitives.ReadUInt16LittleEndian(_b.AsSpan(o));

        public uint U32(int o) => BinaryPrimitives.ReadUInt32LittleEndian(_b.AsSpan(o));

        public ulong U64(int o) => BinaryPrimitives.ReadUInt64LittleEndian(_b.AsSpan(o));

        public SectionHeader? Section(uint type) => _sections.FirstOrDefault(s => s.Type == type);

        public IEnumerable<SectionHeader> Sections(uint type) => _sections.Where(s => s.Type == type);

        public int IndexOf(SectionHeader s) => s.Index;

        public SectionHeader SectionAt(int index) =>
            index >= 0 && index < _sections.Count ? _sections[index] : throw new InvalidDataException($"ELF section index {index} out of range");

        public string String(SectionHeader strtab, uint offset)
        {
            int start = (int)(strtab.Offset + offset);
            int end = Array.IndexOf(_b, (byte)0, start, (int)(strtab.Offset + strtab.Size) - start);
            if (end < 0)
            {
                throw new InvalidDataException("unterminated string in ELF string table");
            }
            return Encoding.ASCII.GetString(_b, start, end - start);
        }

        /// <summary>Visits every vernaux entry: (library, version name, offset of vna_flags, vna_other).</summary>
        public void ForEachVernaux(Action<string, string, int, ushort> visit)
        {
            var verneed = Section(ShtGnuVerneed) ?? throw new InvalidDataException("the ELF file has no .gnu.version_r section");
            var strtab = SectionAt((int)verneed.Link);
            int entry = (int)verneed.Offset;
            for (uint n = 0; n < verneed.Info; n++)
            {
                ushort cnt = U16(entry + 2);
                string lib = String(strtab, U32(entry + 4));
                int aux = entry + (int)U32(entry + 8);
                for (int a = 0; a < cnt; a++)
                {
                    string name = String(strtab, U32(aux + 8));
                    visit(lib, name, aux + 4, U16(aux + 6));
                    uint next = U32(aux + 12);
                    if (next == 0)
                    {
                        break;
                    }
                    aux += (int)next;
                }
                uint vnNext = U32(entry + 12);
                if (vnNext == 0)
                {
                    break;
                }
                entry += (int)vnNext;
            }
        }
    }
}
