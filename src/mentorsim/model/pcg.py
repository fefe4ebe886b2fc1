"""numpy's PCG64 compiled inline: a stream's uniforms drawn in the kernels, numpy's numbers.

Every stream of a run (randomness.py) is a numpy ``Generator`` on a ``PCG64`` bit generator.
Compiled code can call the Generator (numba supports it), but each draw then goes through the
bit generator's function pointer: about 5 ns a double. Here the same algorithm runs inline on
the same state: numpy's 128-bit state and increment, read and written in numpy's own memory
(:func:`words` is a view of it, not a copy), stepped by the same 128-bit LCG, put out by the same
XSL-RR permutation and turned into a double from the top 53 bits, as ``Generator.random`` does:
about 1 ns a double, and the numbers and their order are numpy's. The Generator stays in step:
numpy or numba's Generator can draw from the same stream before or after, in any mix.

:func:`advance` jumps a state ahead by any number of draws in O(log n) steps (numpy's
``PCG64.advance``), so the blocks of a national-scale model can each draw their own part of a
week's numbers on their own thread (:func:`fill_at`: the numbers draw ``offset`` on would be)
and the stream then moves on past all of them: the same numbers as drawing them one after the
other, whatever the number of threads.

    >>> import numpy as np
    >>> a, b = np.random.default_rng(7), np.random.default_rng(7)
    >>> u = np.empty(3)
    >>> fill(words(a), u)
    >>> bool(np.array_equal(u, b.random(3))) and a.random() == b.random()
    True
"""

from __future__ import annotations

import ctypes

import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from mentorsim.model.jit import kernel

#: numpy's PCG64 multiplier (PCG_DEFAULT_MULTIPLIER_128), as its high and low 64-bit words.
MULT_HI = np.uint64(2549297995355413924)
MULT_LO = np.uint64(4865540595714422341)
#: 2^-53: a double from the top 53 bits of a 64-bit output (numpy's next_double).
TO_DOUBLE = 1.0 / 9007199254740992.0

_get_pointer = ctypes.pythonapi.PyCapsule_GetPointer
_get_pointer.restype = ctypes.c_void_p
_get_pointer.argtypes = [ctypes.py_object, ctypes.c_char_p]
_WORDS = ctypes.c_uint64 * 4
_layout_checked = False


def words(generator: np.random.Generator) -> np.ndarray:
    """A uint64 [4] view of ``generator``'s PCG64 state in numpy's own memory: the state's low
    and high words, then the increment's (what the kernels here read and move on). The view
    keeps the bit generator alive; writing it moves the Generator's stream. About 1 us."""
    bit_generator = generator.bit_generator
    if type(bit_generator) is not np.random.PCG64:
        raise TypeError(f"pcg.words needs a PCG64 stream, not {type(bit_generator).__name__}")
    if not _layout_checked:
        _check_layout()
    return _view(bit_generator)


def _view(bit_generator) -> np.ndarray:
    # bitgen_t's first field points at pcg64_state, whose first field points at the
    # pcg64_random_t {state, inc} of two 128-bit integers (numpy/random/src/pcg64/pcg64.h)
    bitgen = _get_pointer(bit_generator.capsule, b"BitGenerator")
    pcg64_state = ctypes.c_void_p.from_address(bitgen).value
    buffer = _WORDS.from_address(ctypes.c_void_p.from_address(pcg64_state).value)
    buffer.owner = bit_generator  # the memory is the bit generator's
    return np.frombuffer(buffer, dtype=np.uint64)


def _check_layout() -> None:
    """Check once a process that the words are where :func:`words` reads them: numpy built with
    native 128-bit integers on a little-endian machine (x86_64 and arm64 wheels). Elsewhere
    numpy may emulate them in another order; stop then rather than draw other numbers."""
    global _layout_checked
    bit_generator = np.random.PCG64(20261130)
    got = _view(bit_generator)
    state = bit_generator.state["state"]
    expect = [state["state"] & 0xFFFFFFFFFFFFFFFF, state["state"] >> 64, state["inc"] & 0xFFFFFFFFFFFFFFFF,
              state["inc"] >> 64]
    if [int(w) for w in got] != expect:
        raise RuntimeError("numpy's PCG64 state is not laid out as mentorsim.model.pcg reads it (native 128-bit "
                           "integers, little-endian); this numpy build is not supported")
    _layout_checked = True


@intrinsic
def _mulhi(typingctx, a, b):
    """The high 64 bits of the 128-bit product of two uint64 (one machine multiply)."""
    def codegen(context, builder, signature, args):
        wide = ir.IntType(128)
        product = builder.mul(builder.zext(args[0], wide), builder.zext(args[1], wide))
        return builder.trunc(builder.lshr(product, ir.Constant(wide, 64)), ir.IntType(64))
    return types.uint64(types.uint64, types.uint64), codegen


@kernel
def _mul128(a_lo, a_hi, b_lo, b_hi):
    """(a x b) mod 2^128 of two 128-bit numbers given as (low, high) words."""
    return a_lo * b_lo, _mulhi(a_lo, b_lo) + a_lo * b_hi + a_hi * b_lo


@kernel
def _add128(a_lo, a_hi, b_lo, b_hi):
    """(a + b) mod 2^128."""
    lo = a_lo + b_lo
    return lo, a_hi + b_hi + (np.uint64(1) if lo < a_lo else np.uint64(0))


@kernel
def _step(lo, hi, inc_lo, inc_hi):
    """The state after one draw: state x multiplier + increment (mod 2^128)."""
    m_lo, m_hi = _mul128(lo, hi, MULT_LO, MULT_HI)
    return _add128(m_lo, m_hi, inc_lo, inc_hi)


@kernel
def _double(lo, hi):
    """The double a (stepped) state puts out: XSL-RR to 64 bits, then the top 53 of them."""
    x = hi ^ lo
    rot = hi >> np.uint64(58)
    x = (x >> rot) | (x << ((np.uint64(64) - rot) & np.uint64(63)))
    return np.float64(x >> np.uint64(11)) * TO_DOUBLE


@kernel
def random(s):
    """One uniform on [0, 1) from state ``s`` (:func:`words` or a :func:`jumped` copy), which
    moves on by one draw (``Generator.random()``)."""
    lo, hi = _step(s[0], s[1], s[2], s[3])
    s[0], s[1] = lo, hi
    return _double(lo, hi)


@kernel
def fill(s, out):
    """Fill the C-contiguous float array ``out`` (any shape, in memory order) with uniforms
    from state ``s``, which moves on past them (``Generator.random(out=out)``)."""
    flat = out.reshape(out.size)
    lo, hi, inc_lo, inc_hi = s[0], s[1], s[2], s[3]
    for i in range(flat.shape[0]):
        lo, hi = _step(lo, hi, inc_lo, inc_hi)
        flat[i] = _double(lo, hi)
    s[0], s[1] = lo, hi


@kernel
def _advanced(s, delta):
    """State ``s`` ``delta`` draws on, as (low, high) words (Brown's jump ahead for an LCG:
    multiplier and increment squared up the bits of ``delta``, as numpy's pcg64_advance)."""
    acc_lo, acc_hi = np.uint64(1), np.uint64(0)  # accumulated multiplier
    add_lo, add_hi = np.uint64(0), np.uint64(0)  # accumulated increment
    mul_lo, mul_hi = MULT_LO, MULT_HI
    inc_lo, inc_hi = s[2], s[3]
    d = np.uint64(delta)
    while d > np.uint64(0):
        if d & np.uint64(1):
            acc_lo, acc_hi = _mul128(acc_lo, acc_hi, mul_lo, mul_hi)
            t_lo, t_hi = _mul128(add_lo, add_hi, mul_lo, mul_hi)
            add_lo, add_hi = _add128(t_lo, t_hi, inc_lo, inc_hi)
        m1_lo, m1_hi = _add128(mul_lo, mul_hi, np.uint64(1), np.uint64(0))
        inc_lo, inc_hi = _mul128(m1_lo, m1_hi, inc_lo, inc_hi)
        mul_lo, mul_hi = _mul128(mul_lo, mul_hi, mul_lo, mul_hi)
        d >>= np.uint64(1)
    x_lo, x_hi = _mul128(acc_lo, acc_hi, s[0], s[1])
    return _add128(x_lo, x_hi, add_lo, add_hi)


@kernel
def advance(s, delta):
    """Move state ``s`` on by ``delta`` >= 0 draws (``PCG64.advance(delta)``) in O(log delta)."""
    s[0], s[1] = _advanced(s, delta)


@kernel
def jumped(s, delta):
    """A copy of state ``s`` ``delta`` draws on (``s`` unchanged): a cursor to draw from."""
    out = s.copy()
    out[0], out[1] = _advanced(s, delta)
    return out


@kernel
def fill_at(s, offset, out):
    """Fill ``out`` (as :func:`fill`) with the uniforms that come ``offset`` draws after state
    ``s``, leaving ``s`` unchanged: each block of a model fills its own part of a week's draws,
    and the stream is then moved past all of them once (:func:`advance`)."""
    fill(jumped(s, offset), out)


@kernel
def fill_facilities(s, out, first_post, chosen, f_lo, f_hi):
    """Fill ``out`` [post] for the posts of facilities ``f_lo``..``f_hi - 1`` where ``chosen``
    [facility] is true: post ``i`` gets draw ``i`` from state ``s`` (a week's draws are one a
    post, in post order; ``s`` unchanged, as :func:`fill_at`). The other facilities' posts are
    jumped over, their entries of ``out`` left as they were. One jump a run of consecutive
    chosen facilities."""
    f = f_lo
    while f < f_hi:
        if not chosen[f]:
            f += 1
            continue
        end = f
        while end < f_hi and chosen[end]:
            end += 1
        lo, hi = first_post[f], first_post[end]
        fill_at(s, lo, out[lo:hi])
        f = end
