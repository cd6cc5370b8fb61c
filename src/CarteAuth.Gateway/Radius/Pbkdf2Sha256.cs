using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Security.Cryptography;

namespace CarteAuth.Gateway.Radius;

/// <summary>
/// PBKDF2-HMAC-SHA-256 (RFC 8018 §5.2, HMAC per RFC 2104), the password hash of the RADIUS user file: the same
/// output as <see cref="Rfc2898DeriveBytes.Pbkdf2(ReadOnlySpan{byte}, ReadOnlySpan{byte}, Span{byte}, int, HashAlgorithmName)"/>,
/// about twice as fast where OpenSSL's SHA-256 block function is available (Linux), the fallback elsewhere.
/// </summary>
/// <remarks>
/// <para>Why: every PAP request runs one PBKDF2, the largest cost of a RADIUS request. The generic implementation
/// (OpenSSL's <c>PKCS5_PBKDF2_HMAC</c>, which .NET and FreeRADIUS call) sets up an HMAC context for every iteration.
/// Here the HMAC key's inner and outer SHA-256 states (the compression of <c>K ⊕ ipad</c> and <c>K ⊕ opad</c>,
/// RFC 2104 §2) are computed once per derivation, so each iteration is exactly two SHA-256 compressions of one padded
/// block (64-octet key block + 32-octet message: one block each), done by OpenSSL's <c>SHA256_Transform</c>
/// (hardware SHA extensions where the CPU has them) on a state this class owns.</para>
/// <para>Safety: the fast path is used only after a self-test on first use gives the same octets as
/// <see cref="Rfc2898DeriveBytes"/> (several blocks, key longer than a block); otherwise, and on big-endian or
/// non-Linux hosts or without <c>libcrypto</c>, every call goes to <see cref="Rfc2898DeriveBytes"/>. Key material on
/// the stack is zeroed after use.</para>
/// </remarks>
internal static unsafe class Pbkdf2Sha256
{
    private const int BlockSize = 64;
    private const int DigestSize = 32;

    // FIPS 180-4 §5.3.3: the initial SHA-256 hash value.
    private static readonly uint[] InitialState = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

    private static readonly delegate* unmanaged[SuppressGCTransition]<uint*, byte*, void> BlockFunction = LoadBlockFunction();

    /// <summary>True when derivations use OpenSSL's SHA-256 block function (the self-test passed), false on the fallback.</summary>
    internal static bool IsAccelerated => BlockFunction != null;

    /// <summary>Derives <paramref name="destination"/>.Length octets from the password and salt (RFC 8018 §5.2).</summary>
    public static void DeriveKey(ReadOnlySpan<byte> password, ReadOnlySpan<byte> salt, int iterations, Span<byte> destination) =>
        DeriveKey(password, salt, iterations, destination, vectorize: true);

    /// <summary>The same; <paramref name="vectorize"/> false keeps the scalar loop even with AVX2 (for the tests of both).</summary>
    internal static void DeriveKey(ReadOnlySpan<byte> password, ReadOnlySpan<byte> salt, int iterations, Span<byte> destination, bool vectorize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        if (BlockFunction == null)
        {
            Rfc2898DeriveBytes.Pbkdf2(password, salt, destination, iterations, HashAlgorithmName.SHA256);
            return;
        }

        Derive(BlockFunction, password, salt, iterations, destination, vectorize);
    }

    private static void Derive(delegate* unmanaged[SuppressGCTransition]<uint*, byte*, void> compress, ReadOnlySpan<byte> password, ReadOnlySpan<byte> salt, int iterations, Span<byte> destination, bool vectorize)
    {
        // SHA256_CTX is 8 state words then counters and a buffer (112 octets); SHA256_Transform only touches the state
        // words, the rest is room so the callee never reads past what is ours.
        const int ContextWords = 28;
        var inner = stackalloc uint[ContextWords];
        var outer = stackalloc uint[ContextWords];
        var state = stackalloc uint[ContextWords];
        var block = stackalloc byte[BlockSize];
        var result = stackalloc uint[DigestSize / sizeof(uint)];
        var message = salt.Length <= 256 ? stackalloc byte[salt.Length + 4] : new byte[salt.Length + 4];
        try
        {
            // RFC 2104 §2: a key longer than the block is hashed first; then K ⊕ ipad and K ⊕ opad, one block each.
            var key = new Span<byte>(block, BlockSize);
            key.Clear();
            if (password.Length > BlockSize)
            {
                SHA256.HashData(password, key);
            }
            else
            {
                password.CopyTo(key);
            }

            InitialState.CopyTo(new Span<uint>(inner, 8));
            InitialState.CopyTo(new Span<uint>(outer, 8));
            for (var i = 0; i < BlockSize; i++)
            {
                block[i] ^= 0x36;
            }

            compress(inner, block);
            for (var i = 0; i < BlockSize; i++)
            {
                block[i] ^= 0x36 ^ 0x5c;
            }

            compress(outer, block);

            // The padded one-block message every iteration hashes: a 32-octet value after the 64-octet key block,
            // i.e. 96 octets = 768 bits (FIPS 180-4 §5.1.1: 0x80, zeros, the bit length as 64-bit big-endian).
            new Span<byte>(block, BlockSize).Clear();
            block[DigestSize] = 0x80;
            BinaryPrimitives.WriteUInt64BigEndian(new Span<byte>(block + BlockSize - 8, 8), (BlockSize + DigestSize) * 8);
            var words = (uint*)block;

            salt.CopyTo(message);
            for (var blockIndex = 1; destination.Length > 0; blockIndex++)
            {
                // U1 = PRF(P, S || INT(i)) (RFC 8018 §5.2 step 3).
                BinaryPrimitives.WriteInt32BigEndian(message[salt.Length..], blockIndex);
                HMACSHA256.HashData(password, message, new Span<byte>(block, DigestSize));
                for (var w = 0; w < 8; w++)
                {
                    result[w] = BinaryPrimitives.ReverseEndianness(words[w]);
                }

                // Uj = PRF(P, Uj-1); T = U1 ⊕ … ⊕ Uc. The state words are the digest in native order; the next message
                // is the digest's octets (big-endian words).
                if (vectorize && Avx2.IsSupported)
                {
                    IterateAvx2(compress, inner, outer, state, block, result, iterations);
                }
                else
                {
                    for (var j = 1; j < iterations; j++)
                    {
                        new Span<uint>(inner, 8).CopyTo(new Span<uint>(state, 8));
                        compress(state, block);
                        for (var w = 0; w < 8; w++)
                        {
                            words[w] = BinaryPrimitives.ReverseEndianness(state[w]);
                        }

                        new Span<uint>(outer, 8).CopyTo(new Span<uint>(state, 8));
                        compress(state, block);
                        for (var w = 0; w < 8; w++)
                        {
                            result[w] ^= state[w];
                            words[w] = BinaryPrimitives.ReverseEndianness(state[w]);
                        }
                    }
                }

                var take = Math.Min(DigestSize, destination.Length);
                for (var w = 0; w < 8; w++)
                {
                    result[w] = BinaryPrimitives.ReverseEndianness(result[w]);
                }

                new ReadOnlySpan<byte>(result, DigestSize)[..take].CopyTo(destination);
                destination = destination[take..];
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(new Span<byte>(inner, ContextWords * sizeof(uint)));
            CryptographicOperations.ZeroMemory(new Span<byte>(outer, ContextWords * sizeof(uint)));
            CryptographicOperations.ZeroMemory(new Span<byte>(state, ContextWords * sizeof(uint)));
            CryptographicOperations.ZeroMemory(new Span<byte>(block, BlockSize));
            CryptographicOperations.ZeroMemory(new Span<byte>(result, DigestSize));
            CryptographicOperations.ZeroMemory(message);
        }
    }

    /// <summary>
    /// The iterations with the 8 state words in one 256-bit register: copying a state, the XOR into T and the byte
    /// swap of a digest into the next message are one instruction each, so the loop is the two compressions.
    /// </summary>
    private static void IterateAvx2(delegate* unmanaged[SuppressGCTransition]<uint*, byte*, void> compress, uint* inner, uint* outer, uint* state, byte* block, uint* result, int iterations)
    {
        // Reverses the octets of each 32-bit word (within each 128-bit lane, as vpshufb works).
        var swap = Vector256.Create((byte)3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12, 3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12);
        var innerState = Vector256.Load(inner);
        var outerState = Vector256.Load(outer);
        var sum = Vector256.Load(result);
        for (var j = 1; j < iterations; j++)
        {
            innerState.Store(state);
            compress(state, block);
            Avx2.Shuffle(Vector256.Load(state).AsByte(), swap).Store(block);
            outerState.Store(state);
            compress(state, block);
            var u = Vector256.Load(state);
            sum ^= u;
            Avx2.Shuffle(u.AsByte(), swap).Store(block);
        }

        sum.Store(result);
    }

    /// <summary>OpenSSL's <c>SHA256_Transform</c> when it loads and passes the self-test; null otherwise.</summary>
    private static delegate* unmanaged[SuppressGCTransition]<uint*, byte*, void> LoadBlockFunction()
    {
        if (!OperatingSystem.IsLinux() || !BitConverter.IsLittleEndian)
        {
            return null;
        }

        foreach (var name in (string[])["libcrypto.so.3", "libcrypto.so.1.1"])
        {
            if (!NativeLibrary.TryLoad(name, out var library))
            {
                continue;
            }

            if (NativeLibrary.TryGetExport(library, "SHA256_Transform", out var export))
            {
                var candidate = (delegate* unmanaged[SuppressGCTransition]<uint*, byte*, void>)export;
                return SelfTest(candidate) ? candidate : null;
            }
        }

        return null;
    }

    /// <summary>Two output blocks, a key longer than a block and a short one, against <see cref="Rfc2898DeriveBytes"/>.</summary>
    private static bool SelfTest(delegate* unmanaged[SuppressGCTransition]<uint*, byte*, void> compress)
    {
        try
        {
            Span<byte> expected = stackalloc byte[48];
            Span<byte> actual = stackalloc byte[48];
            foreach (var password in (byte[][])[[.. "passwd"u8], new byte[100]])
            {
                Rfc2898DeriveBytes.Pbkdf2(password, "salt"u8, expected, 3, HashAlgorithmName.SHA256);
                Derive(compress, password, "salt"u8, 3, actual, vectorize: true);
                if (!expected.SequenceEqual(actual))
                {
                    return false;
                }
            }

            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or CryptographicException)
        {
            return false;
        }
    }
}
