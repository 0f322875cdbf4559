using System.Security.Cryptography;
using System.Text;
using ImageBuilder.Core.Hashing;

namespace ImageBuilder.Core.Tests.Hashing;

/// <summary>The managed SHA-256 for small inputs gives FIPS 180-4's answers and OpenSSL's, at every length and split.</summary>
public sealed class Sha256Tests
{
    [Theory]
    [InlineData("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [InlineData("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]
    [InlineData("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")]
    [InlineData("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
        "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")]
    public void The_standard_s_test_vectors_hash_to_its_answers(string message, string expected) =>
        Assert.Equal(expected, Convert.ToHexStringLower(Sha256.HashManaged(Encoding.ASCII.GetBytes(message))));

    [Fact]
    public void A_million_a_hashes_to_the_standard_s_answer()
    {
        var message = Enumerable.Repeat((byte)'a', 1_000_000).ToArray();

        Assert.Equal("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", Convert.ToHexStringLower(Sha256.HashManaged(message)));
        Assert.Equal("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", Convert.ToHexStringLower(Sha256.Hash(message)));
    }

    [Fact]
    public void Every_length_around_the_block_and_padding_boundaries_matches_OpenSSL()
    {
        var random = new Random(20261205);
        var data = new byte[Sha256.SmallInput + 200];
        random.NextBytes(data);
        var lengths = Enumerable.Range(0, 300).Concat([511, 512, 1023, 1024, 4096, 65_535, Sha256.SmallInput - 1, Sha256.SmallInput, Sha256.SmallInput + 1, data.Length])
            .Concat(Enumerable.Range(0, 200).Select(_ => random.Next(data.Length)));

        foreach (var length in lengths)
        {
            var slice = data.AsSpan(0, length);
            Assert.True(SHA256.HashData(slice).AsSpan().SequenceEqual(Sha256.HashManaged(slice)), $"length {length}");
            Assert.True(SHA256.HashData(slice).AsSpan().SequenceEqual(Sha256.Hash(slice)), $"length {length}");
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1000)]
    [InlineData(Sha256.SmallInput)]
    [InlineData(Sha256.SmallInput + 1)]
    [InlineData(300_000)]
    public void The_incremental_hasher_gives_the_one_shot_hash_however_its_input_is_split(int length)
    {
        var random = new Random(length);
        var data = new byte[length];
        random.NextBytes(data);
        for (var trial = 0; trial < 5; trial++)
        {
            using var hasher = new Sha256Hasher();
            for (var offset = 0; offset < length;)
            {
                var count = Math.Min(length - offset, random.Next(1, trial % 2 == 0 ? 100 : 70_000));
                hasher.Append(data.AsSpan(offset, count));
                offset += count;
            }

            Assert.Equal(SHA256.HashData(data), hasher.CurrentHash());
        }
    }
}
