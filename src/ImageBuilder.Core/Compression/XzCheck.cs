using System.Buffers.Binary;
using System.Security.Cryptography;

namespace ImageBuilder.Core.Compression;

/// <summary>
/// The integrity check stored after each block's data: its type comes from the stream flags
/// (0 None, 1 CRC32, 4 CRC64, 10 SHA-256; other ids are reserved and refused).
/// </summary>
internal abstract class XzCheck
{
    public abstract int Size { get; }

    public abstract string Name { get; }

    public abstract void Append(ReadOnlySpan<byte> data);

    /// <summary>Whether <paramref name="stored"/> equals the check of everything appended; resets for the next block.</summary>
    public abstract bool MatchesAndReset(ReadOnlySpan<byte> stored);

    public static XzCheck Create(int checkType) => checkType switch
    {
        0 => new NoCheck(),
        1 => new Crc32Check(),
        4 => new Crc64Check(),
        10 => new Sha256Check(),
        _ => throw new InvalidDataException($"xz: unsupported integrity check type {checkType}"),
    };

    private sealed class NoCheck : XzCheck
    {
        public override int Size => 0;

        public override string Name => "None";

        public override void Append(ReadOnlySpan<byte> data)
        {
        }

        public override bool MatchesAndReset(ReadOnlySpan<byte> stored) => true;
    }

    private sealed class Crc32Check : XzCheck
    {
        private uint _crc;

        public override int Size => 4;

        public override string Name => "CRC32";

        public override void Append(ReadOnlySpan<byte> data) => _crc = Crc32.Append(_crc, data);

        public override bool MatchesAndReset(ReadOnlySpan<byte> stored)
        {
            var matches = BinaryPrimitives.ReadUInt32LittleEndian(stored) == _crc;
            _crc = 0;
            return matches;
        }
    }

    private sealed class Crc64Check : XzCheck
    {
        private ulong _crc;

        public override int Size => 8;

        public override string Name => "CRC64";

        public override void Append(ReadOnlySpan<byte> data) => _crc = Crc64.Append(_crc, data);

        public override bool MatchesAndReset(ReadOnlySpan<byte> stored)
        {
            var matches = BinaryPrimitives.ReadUInt64LittleEndian(stored) == _crc;
            _crc = 0;
            return matches;
        }
    }

    private sealed class Sha256Check : XzCheck
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public override int Size => 32;

        public override string Name => "SHA-256";

        public override void Append(ReadOnlySpan<byte> data) => _hash.AppendData(data);

        public override bool MatchesAndReset(ReadOnlySpan<byte> stored)
        {
            Span<byte> actual = stackalloc byte[32];
            _hash.GetHashAndReset(actual);
            return actual.SequenceEqual(stored);
        }
    }
}
