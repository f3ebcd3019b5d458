/* The matcher's inner loops, compiled: ``guide_lexicon.extract``, the overlap sums and the
 * ranking of ``guide_matching.score``, and the scan of ``guide_emergency.may_be_danger``.
 *
 * Each function here does exactly what the Python version beside it does, step for step
 * and in the same order (the same concepts in the same dict order, the same floating-point
 * operations in the same order); tests/services/test_matcher_compiled.py compares the two
 * on the guides' wording, the benchmark's questions and random text. The Python versions
 * stay the reference and the fallback: setup.py builds this module only where a C compiler
 * is at hand. Why it exists: under load these two loops were a third of the webhook's CPU
 * per question (bench/README.md).
 *
 * Every table is built by the Python side (``guide_lexicon.lexicon``) and passed in; the
 * module keeps no state. The GIL is held throughout, so the borrowed references taken from
 * those tables stay valid for the length of a call.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* Layout of the tables tuple built by guide_lexicon.lexicon (Lexicon.compiled). */
enum {
    T_SURFACES,      /* dict: word -> tuple of concept names */
    T_PREFIXES,      /* frozenset: every prefix of every word */
    T_EXCLUSIVE,     /* frozenset: words that hide the words inside them */
    T_MAXLEN,        /* int */
    T_WEIGHTS,       /* dict: concept -> float */
    T_SUBST,         /* dict: key with "?" -> list of (word, k) */
    T_DELE,          /* dict: word with one character missing -> word */
    T_SUBST_NEAR,    /* tuple of 5 dicts, _PROBES order: context -> sorted list of (-n, -k, key) */
    T_DELE_NEAR,     /* the same for the deletion keys */
    T_SOUNDS,        /* (dict, callable): each character's (folded, plain) main sound, filled by the callable */
    T_FUZZY_FACTOR,  /* float */
    T_FLAGS,         /* bytes, one per BMP code point: the F_ bits below */
    T_COUNT
};

/* What a character can be, so that most positions are passed over without building a string
   to look up (guide_lexicon._character_flags). Beyond the BMP every lookup is made. */
enum {
    F_STARTS = 1,       /* the first character of a word */
    F_BEFORE_11 = 2,    /* the character before the odd one in a one-character-wrong key, */
    F_BEFORE_20 = 4,    /* for each of the probes of _PROBES that has one */
    F_BEFORE_10 = 8,
    F_AFTER_02 = 16,    /* the character after it */
    F_AFTER_01 = 32,
    F_AFTER_11 = 64,
    F_IN_SHORTENED = 128,  /* any character of a word with one character missing */
};

static inline int
can_be(const unsigned char *flags, Py_UCS4 ch, int bit)
{
    return ch > 0xFFFF || (flags[ch] & bit);
}

typedef struct {
    Py_ssize_t start, end;
    PyObject *names;   /* borrowed from the surfaces dict */
    double factor;
    int exclusive;
} Hit;

typedef struct {
    Hit *items;
    Py_ssize_t len, cap;
} Hits;

static int
hits_push(Hits *h, Hit hit)
{
    if (h->len == h->cap) {
        Py_ssize_t cap = h->cap ? h->cap * 2 : 16;
        Hit *items = PyMem_Realloc(h->items, (size_t)cap * sizeof(Hit));
        if (items == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        h->items = items;
        h->cap = cap;
    }
    h->items[h->len++] = hit;
    return 0;
}

static PyObject *
chars(const Py_UCS4 *buf, Py_ssize_t len)
{
    return PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, buf, len);
}

/* dict[key] (borrowed) when it is there, NULL when not; NULL with TypeError when it is not
   a list, as every table here maps to lists. */
static PyObject *
list_at(PyObject *dict, PyObject *key, const char *who)
{
    PyObject *list = PyDict_GetItemWithError(dict, key);
    if (list != NULL && !PyList_Check(list)) {
        PyErr_Format(PyExc_TypeError, "%s: lists expected", who);
        return NULL;
    }
    return list;
}

/* found += table.get(key, ()) */
static int
probe(PyObject *table, const Py_UCS4 *key, Py_ssize_t len, PyObject *found)
{
    PyObject *k = chars(key, len);
    if (k == NULL)
        return -1;
    PyObject *list = list_at(table, k, "extract");
    Py_DECREF(k);
    if (list == NULL)
        return PyErr_Occurred() ? -1 : 0;
    Py_ssize_t m = PyList_GET_SIZE(list);
    for (Py_ssize_t i = 0; i < m; i++) {
        if (PyList_Append(found, PyList_GET_ITEM(list, i)) < 0)
            return -1;
    }
    return 0;
}

/* dict[key] = value when value is larger than what dict holds for key, 0.0 when nothing
   (Python's ``if value > d.get(key, 0.0): d[key] = value``; the values are floats). */
static int
keep_larger(PyObject *dict, PyObject *key, double value)
{
    PyObject *have = PyDict_GetItemWithError(dict, key);
    if (have == NULL && PyErr_Occurred())
        return -1;
    if (!(value > (have != NULL ? PyFloat_AS_DOUBLE(have) : 0.0)))
        return 0;
    PyObject *boxed = PyFloat_FromDouble(value);
    if (boxed == NULL)
        return -1;
    int stored = PyDict_SetItem(dict, key, boxed);
    Py_DECREF(boxed);
    return stored;
}

/* _Near.around: the candidates filed under j's surroundings whose window fits, sorted
   (a new list, empty when there are none). */
static PyObject *
around(PyObject *near, int odd, const unsigned char *flags, int kind, const void *data, Py_ssize_t n,
       Py_ssize_t j)
{
    PyObject *t11 = PyTuple_GET_ITEM(near, 0), *t20 = PyTuple_GET_ITEM(near, 1),
             *t02 = PyTuple_GET_ITEM(near, 2), *t10 = PyTuple_GET_ITEM(near, 3),
             *t01 = PyTuple_GET_ITEM(near, 4);
    Py_UCS4 mid = odd ? (Py_UCS4)'?' : PyUnicode_READ(kind, data, j);
    int before = j > 0, after = j + 1 < n;
    Py_UCS4 b1 = before ? PyUnicode_READ(kind, data, j - 1) : 0;
    Py_UCS4 a1 = after ? PyUnicode_READ(kind, data, j + 1) : 0;
    /* The flags describe the one-character-wrong keys only; the others are always probed. */
    int all = !odd;
    Py_UCS4 key[3];
    PyObject *found = PyList_New(0);
    if (found == NULL)
        return NULL;
    if (before) {
        if (after && (all || (can_be(flags, b1, F_BEFORE_11) && can_be(flags, a1, F_AFTER_11)))) {
            key[0] = b1; key[1] = mid; key[2] = a1;
            if (probe(t11, key, 3, found) < 0)
                goto fail;
        }
        if (j >= 2 && (all || can_be(flags, b1, F_BEFORE_20))) {
            key[0] = PyUnicode_READ(kind, data, j - 2); key[1] = b1; key[2] = mid;
            if (probe(t20, key, 3, found) < 0)
                goto fail;
        }
        if (all || can_be(flags, b1, F_BEFORE_10)) {
            key[0] = b1; key[1] = mid;
            if (probe(t10, key, 2, found) < 0)
                goto fail;
        }
    }
    if (after) {
        if (j + 2 < n && (all || can_be(flags, a1, F_AFTER_02))) {
            key[0] = mid; key[1] = a1; key[2] = PyUnicode_READ(kind, data, j + 2);
            if (probe(t02, key, 3, found) < 0)
                goto fail;
        }
        if (all || can_be(flags, a1, F_AFTER_01)) {
            key[0] = mid; key[1] = a1;
            if (probe(t01, key, 2, found) < 0)
                goto fail;
        }
    }
    Py_ssize_t m = PyList_GET_SIZE(found);
    if (m == 0)
        return found;
    /* keep those whose start and end fit in the text */
    Py_ssize_t kept = 0;
    for (Py_ssize_t i = 0; i < m; i++) {
        PyObject *c = PyList_GET_ITEM(found, i);
        Py_ssize_t minus_n = PyLong_AsSsize_t(PyTuple_GET_ITEM(c, 0));
        Py_ssize_t minus_k = PyLong_AsSsize_t(PyTuple_GET_ITEM(c, 1));
        if ((minus_n == -1 || minus_k == -1) && PyErr_Occurred())
            goto fail;
        if (0 <= j + minus_k && j + minus_k - minus_n <= n) {
            Py_INCREF(c);
            PyObject *old = PyList_GET_ITEM(found, kept);
            PyList_SET_ITEM(found, kept, c);
            Py_DECREF(old);
            kept++;
        }
    }
    if (kept < m && PyList_SetSlice(found, kept, m, NULL) < 0)
        goto fail;
    if (kept > 1 && PyList_Sort(found) < 0)
        goto fail;
    return found;
fail:
    Py_DECREF(found);
    return NULL;
}

static int
same_chars(int kind, const void *data, Py_ssize_t at, PyObject *key, Py_ssize_t from, Py_ssize_t to)
{
    int kkind = PyUnicode_KIND(key);
    const void *kdata = PyUnicode_DATA(key);
    for (Py_ssize_t t = from; t < to; t++) {
        if (PyUnicode_READ(kind, data, at + t) != PyUnicode_READ(kkind, kdata, t))
            return 0;
    }
    return 1;
}

/* textnorm.main_sound(ch, folded=not strict), from the sounds cache (a new reference). */
static PyObject *
sound_of(PyObject *sounds, Py_UCS4 ch, int strict)
{
    PyObject *cache = PyTuple_GET_ITEM(sounds, 0), *fill = PyTuple_GET_ITEM(sounds, 1);
    PyObject *key = chars(&ch, 1);
    if (key == NULL)
        return NULL;
    PyObject *pair = PyDict_GetItemWithError(cache, key);
    if (pair != NULL) {
        Py_INCREF(pair);
    }
    else if (!PyErr_Occurred()) {
        pair = PyObject_CallOneArg(fill, key);
        if (pair != NULL && PyDict_SetItem(cache, key, pair) < 0)
            Py_CLEAR(pair);
    }
    Py_DECREF(key);
    if (pair == NULL)
        return NULL;
    if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2) {
        Py_DECREF(pair);
        PyErr_SetString(PyExc_TypeError, "extract: a sound must be a (folded, plain) pair");
        return NULL;
    }
    PyObject *sound = PyTuple_GET_ITEM(pair, strict ? 1 : 0);
    Py_INCREF(sound);
    Py_DECREF(pair);
    return sound;
}

/* textnorm.same_sound: 1, 0, or -1 on error. */
static int
same_sound(PyObject *sounds, Py_UCS4 a, Py_UCS4 b, int strict)
{
    if (a == b)
        return 1;
    PyObject *sa = sound_of(sounds, a, strict);
    if (sa == NULL)
        return -1;
    int result = 0;
    /* the character itself: it has no reading */
    if (!(PyUnicode_GET_LENGTH(sa) == 1 && PyUnicode_READ_CHAR(sa, 0) == a)) {
        PyObject *sb = sound_of(sounds, b, strict);
        if (sb == NULL) {
            Py_DECREF(sa);
            return -1;
        }
        result = PyUnicode_Compare(sa, sb) == 0;
        if (PyErr_Occurred())
            result = -1;
        Py_DECREF(sb);
    }
    Py_DECREF(sa);
    return result;
}

/* *hit = the lexicon word ``word`` over [start, start + length): 1, or -1 (KeyError) when
   the word is not in the lexicon. */
static int
found_word(PyObject *surfaces, PyObject *word, Py_ssize_t start, Py_ssize_t length, Hit *hit)
{
    PyObject *names = PyDict_GetItemWithError(surfaces, word);
    if (names == NULL) {
        if (!PyErr_Occurred())
            PyErr_SetObject(PyExc_KeyError, word);
        return -1;
    }
    hit->start = start;
    hit->end = start + length;
    hit->names = names;
    return 1;
}

/* A candidate (-length, -k, key) from around(): its key, and its length, marked position and
   start when the marked position is j. */
static PyObject *
candidate(PyObject *c, Py_ssize_t j, Py_ssize_t *length, Py_ssize_t *k, Py_ssize_t *start)
{
    *length = -PyLong_AsSsize_t(PyTuple_GET_ITEM(c, 0));
    *k = -PyLong_AsSsize_t(PyTuple_GET_ITEM(c, 1));
    *start = j - *k;
    return PyTuple_GET_ITEM(c, 2);
}

/* _fuzzy_at: 1 and *hit filled when a word with one character off covers j, 0 when none, -1 on error. */
static int
fuzzy_at(PyObject *tables, const unsigned char *flags, int kind, const void *data, Py_ssize_t n,
         Py_ssize_t j, Hit *hit)
{
    PyObject *surfaces = PyTuple_GET_ITEM(tables, T_SURFACES);
    PyObject *subst = PyTuple_GET_ITEM(tables, T_SUBST);
    PyObject *cands = around(PyTuple_GET_ITEM(tables, T_SUBST_NEAR), 1, flags, kind, data, n, j);
    if (cands == NULL)
        return -1;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(cands); i++) {
        Py_ssize_t length, k, start;
        PyObject *key = candidate(PyList_GET_ITEM(cands, i), j, &length, &k, &start);
        if (!same_chars(kind, data, start, key, 0, k) || !same_chars(kind, data, start, key, k + 1, length))
            continue;
        PyObject *words = PyDict_GetItemWithError(subst, key);
        if (words == NULL) {
            if (PyErr_Occurred())
                goto fail;
            continue;
        }
        for (Py_ssize_t w = 0; w < PyList_GET_SIZE(words); w++) {
            PyObject *surface = PyTuple_GET_ITEM(PyList_GET_ITEM(words, w), 0);
            int yes = length >= 4 && 0 < k && k < length - 1;
            if (!yes) {
                yes = same_sound(PyTuple_GET_ITEM(tables, T_SOUNDS), PyUnicode_READ(kind, data, j),
                                 PyUnicode_READ_CHAR(surface, k), length == 2);
                if (yes < 0)
                    goto fail;
            }
            if (yes) {
                int found = found_word(surfaces, surface, start, length, hit);
                Py_DECREF(cands);
                return found;
            }
        }
    }
    Py_DECREF(cands);
    if (!can_be(flags, PyUnicode_READ(kind, data, j), F_IN_SHORTENED))
        return 0;  /* no word with a character missing holds this one */
    cands = around(PyTuple_GET_ITEM(tables, T_DELE_NEAR), 0, flags, kind, data, n, j);
    if (cands == NULL)
        return -1;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(cands); i++) {
        Py_ssize_t length, k, start;
        PyObject *key = candidate(PyList_GET_ITEM(cands, i), j, &length, &k, &start);
        if (!same_chars(kind, data, start, key, 0, length))
            continue;
        PyObject *word = PyDict_GetItemWithError(PyTuple_GET_ITEM(tables, T_DELE), key);
        if (word == NULL && !PyErr_Occurred())
            PyErr_SetObject(PyExc_KeyError, key);
        int found = word != NULL ? found_word(surfaces, word, start, length, hit) : -1;
        Py_DECREF(cands);
        return found;
    }
    Py_DECREF(cands);
    return 0;
fail:
    Py_DECREF(cands);
    return -1;
}

PyDoc_STRVAR(extract_doc,
"extract(norm, tables) -> (concepts, residue)\n\n"
"guide_lexicon.extract's work on normalised text: the concepts found (dict, weights) and\n"
"the text with every character the lexicon covered replaced by \"|\".");

static PyObject *
extract(PyObject *self, PyObject *args)
{
    PyObject *norm, *tables;
    if (!PyArg_ParseTuple(args, "UO!:extract", &norm, &PyTuple_Type, &tables))
        return NULL;
    if (PyTuple_GET_SIZE(tables) != T_COUNT) {
        PyErr_SetString(PyExc_ValueError, "extract: tables of another layout");
        return NULL;
    }
    PyObject *surfaces = PyTuple_GET_ITEM(tables, T_SURFACES);
    PyObject *prefixes = PyTuple_GET_ITEM(tables, T_PREFIXES);
    PyObject *exclusive = PyTuple_GET_ITEM(tables, T_EXCLUSIVE);
    PyObject *weights = PyTuple_GET_ITEM(tables, T_WEIGHTS);
    Py_ssize_t maxlen = PyLong_AsSsize_t(PyTuple_GET_ITEM(tables, T_MAXLEN));
    double fuzzy_factor = PyFloat_AsDouble(PyTuple_GET_ITEM(tables, T_FUZZY_FACTOR));
    if (PyErr_Occurred())
        return NULL;
    PyObject *flag_bytes = PyTuple_GET_ITEM(tables, T_FLAGS);
    if (!PyBytes_Check(flag_bytes) || PyBytes_GET_SIZE(flag_bytes) != 0x10000) {
        PyErr_SetString(PyExc_ValueError, "extract: the character flags must be 65536 bytes");
        return NULL;
    }
    const unsigned char *flags = (const unsigned char *)PyBytes_AS_STRING(flag_bytes);

    int kind = PyUnicode_KIND(norm);
    const void *data = PyUnicode_DATA(norm);
    Py_ssize_t n = PyUnicode_GET_LENGTH(norm);
    Hits found = {NULL, 0, 0};
    Hit *here = NULL;
    char *in_word = NULL, *covered = NULL;
    Py_UCS4 *residue_buf = NULL;
    PyObject *concepts = NULL, *residue = NULL;
    int any_shadow = 0;

    here = PyMem_Malloc((size_t)(maxlen > 0 ? maxlen : 1) * sizeof(Hit));
    covered = PyMem_Calloc((size_t)(n ? n : 1), 1);
    if (here == NULL || covered == NULL) {
        PyErr_NoMemory();
        goto fail;
    }
    /* Every word at every position, longest first at each. */
    for (Py_ssize_t i = 0; i < n; i++) {
        if (!can_be(flags, PyUnicode_READ(kind, data, i), F_STARTS))
            continue;  /* no word starts with it: the lookup below would stop at once */
        Py_ssize_t count = 0;
        Py_ssize_t longest = maxlen < n - i ? maxlen : n - i;
        for (Py_ssize_t length = 1; length <= longest; length++) {
            PyObject *piece = PyUnicode_Substring(norm, i, i + length);
            if (piece == NULL)
                goto fail;
            int prefix = PySet_Contains(prefixes, piece);
            if (prefix <= 0) {
                Py_DECREF(piece);
                if (prefix < 0)
                    goto fail;
                break;
            }
            PyObject *names = PyDict_GetItemWithError(surfaces, piece);
            if (names != NULL) {
                int excl = PySet_Contains(exclusive, piece);
                if (excl < 0) {
                    Py_DECREF(piece);
                    goto fail;
                }
                here[count].start = i;
                here[count].end = i + length;
                here[count].names = names;
                here[count].factor = 1.0;
                here[count].exclusive = excl;
                count++;
            }
            Py_DECREF(piece);
            if (names == NULL && PyErr_Occurred())
                goto fail;
        }
        for (Py_ssize_t c = count - 1; c >= 0; c--) {
            if (hits_push(&found, here[c]) < 0)
                goto fail;
            if (here[c].end - here[c].start >= 2 || here[c].exclusive)
                any_shadow = 1;
        }
    }
    if (any_shadow) {
        /* Single characters count only standing alone; longer words only disappear inside
           another, exclusive, word. The shadows are the words of two or more characters and
           the exclusive ones, all found above. */
        in_word = PyMem_Calloc((size_t)n, 1);
        if (in_word == NULL) {
            PyErr_NoMemory();
            goto fail;
        }
        for (Py_ssize_t s = 0; s < found.len; s++) {
            Hit *h = &found.items[s];
            if (h->end - h->start >= 2)
                memset(in_word + h->start, 1, (size_t)(h->end - h->start));
        }
        Py_ssize_t kept = 0;
        for (Py_ssize_t m = 0; m < found.len; m++) {
            Hit *h = &found.items[m];
            int drop;
            if (h->end - h->start == 1) {
                drop = in_word[h->start];
            }
            else {
                drop = 0;
                for (Py_ssize_t s = 0; s < found.len && !drop; s++) {
                    Hit *o = &found.items[s];
                    if (o->exclusive && o->start <= h->start && h->end <= o->end
                            && !(o->start == h->start && o->end == h->end))
                        drop = 1;
                }
            }
            if (!drop)
                found.items[kept++] = *h;
        }
        /* the dropped ones were only ever compared with, never kept: shrink afterwards, as
           the test above reads the list as it was */
        found.len = kept;
    }
    for (Py_ssize_t m = 0; m < found.len; m++)
        memset(covered + found.items[m].start, 1, (size_t)(found.items[m].end - found.items[m].start));
    /* A word with one character off, the odd one being a CJK character no word covers. */
    for (Py_ssize_t j = 0; j < n; j++) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, j);
        if (covered[j] || ch < 0x4e00 || ch > 0x9fff)
            continue;
        Hit hit;
        int r = fuzzy_at(tables, flags, kind, data, n, j, &hit);
        if (r < 0)
            goto fail;
        if (r) {
            hit.factor = fuzzy_factor;
            hit.exclusive = 0;
            if (hits_push(&found, hit) < 0)
                goto fail;
            memset(covered + hit.start, 1, (size_t)(hit.end - hit.start));
        }
    }
    concepts = PyDict_New();
    if (concepts == NULL)
        goto fail;
    for (Py_ssize_t m = 0; m < found.len; m++) {
        PyObject *names = found.items[m].names;
        if (!PyTuple_Check(names)) {
            PyErr_SetString(PyExc_TypeError, "extract: a word's concepts must be a tuple");
            goto fail;
        }
        for (Py_ssize_t t = 0; t < PyTuple_GET_SIZE(names); t++) {
            PyObject *name = PyTuple_GET_ITEM(names, t);
            PyObject *weight = PyDict_GetItemWithError(weights, name);
            if (weight == NULL) {
                if (!PyErr_Occurred())
                    PyErr_SetObject(PyExc_KeyError, name);
                goto fail;
            }
            double w = PyFloat_AsDouble(weight);
            if (w == -1.0 && PyErr_Occurred())
                goto fail;
            if (keep_larger(concepts, name, w * found.items[m].factor) < 0)
                goto fail;
        }
    }
    residue_buf = PyMem_Malloc((size_t)(n ? n : 1) * sizeof(Py_UCS4));
    if (residue_buf == NULL) {
        PyErr_NoMemory();
        goto fail;
    }
    for (Py_ssize_t j = 0; j < n; j++)
        residue_buf[j] = covered[j] ? (Py_UCS4)'|' : PyUnicode_READ(kind, data, j);
    residue = chars(residue_buf, n);
    if (residue == NULL)
        goto fail;
    PyMem_Free(found.items);
    PyMem_Free(here);
    PyMem_Free(in_word);
    PyMem_Free(covered);
    PyMem_Free(residue_buf);
    PyObject *result = PyTuple_Pack(2, concepts, residue);
    Py_DECREF(concepts);
    Py_DECREF(residue);
    return result;
fail:
    PyMem_Free(found.items);
    PyMem_Free(here);
    PyMem_Free(in_word);
    PyMem_Free(covered);
    PyMem_Free(residue_buf);
    Py_XDECREF(concepts);
    Py_XDECREF(residue);
    return NULL;
}

PyDoc_STRVAR(best_scores_doc,
"best_scores(query, q_total, postings, entries, subjects, alpha, beta, subject_miss) -> dict\n\n"
"guide_matching.score's sums: each guide's best entry score (Tversky overlap, an entry\n"
"about none of the message's subjects marked down), in the order the guides are first met.");

static PyObject *
best_scores_of(PyObject *query, double q_total, PyObject *postings, PyObject *entries, PyObject *subjects,
               double alpha, double beta, double subject_miss)
{
    Py_ssize_t n_entries = PyList_GET_SIZE(entries);
    double *shared = PyMem_Calloc((size_t)(n_entries ? n_entries : 1), sizeof(double));
    char *seen = PyMem_Calloc((size_t)(n_entries ? n_entries : 1), 1);
    Py_ssize_t *order = PyMem_Malloc((size_t)(n_entries ? n_entries : 1) * sizeof(Py_ssize_t));
    Py_ssize_t touched = 0;
    PyObject *best = NULL;
    if (shared == NULL || seen == NULL || order == NULL) {
        PyErr_NoMemory();
        goto fail;
    }
    Py_ssize_t pos = 0;
    PyObject *name, *wq_obj;
    while (PyDict_Next(query, &pos, &name, &wq_obj)) {
        double wq = PyFloat_AsDouble(wq_obj);
        if (wq == -1.0 && PyErr_Occurred())
            goto fail;
        PyObject *posting = list_at(postings, name, "best_scores");
        if (posting == NULL) {
            if (PyErr_Occurred())
                goto fail;
            continue;
        }
        for (Py_ssize_t p = 0; p < PyList_GET_SIZE(posting); p++) {
            PyObject *item = PyList_GET_ITEM(posting, p);
            Py_ssize_t idx = PyLong_AsSsize_t(PyTuple_GET_ITEM(item, 0));
            double we = PyFloat_AsDouble(PyTuple_GET_ITEM(item, 1));
            if (PyErr_Occurred())
                goto fail;
            if (idx < 0 || idx >= n_entries) {
                PyErr_SetString(PyExc_IndexError, "best_scores: posting names no entry");
                goto fail;
            }
            if (!seen[idx]) {
                seen[idx] = 1;
                order[touched++] = idx;
            }
            shared[idx] = shared[idx] + (wq < we ? wq : we);
        }
    }
    best = PyDict_New();
    if (best == NULL)
        goto fail;
    Py_ssize_t n_subjects = PyTuple_GET_SIZE(subjects);
    for (Py_ssize_t t = 0; t < touched; t++) {
        Py_ssize_t idx = order[t];
        double overlap = shared[idx];
        PyObject *entry = PyList_GET_ITEM(entries, idx);
        PyObject *gid = PyTuple_GET_ITEM(entry, 0);
        double total = PyFloat_AsDouble(PyTuple_GET_ITEM(entry, 1));
        if (total == -1.0 && PyErr_Occurred())
            goto fail;
        double denominator = overlap + alpha * (q_total - overlap) + beta * (total - overlap);
        if (denominator == 0.0) {
            PyErr_SetString(PyExc_ZeroDivisionError, "float division by zero");
            goto fail;
        }
        double s = overlap / denominator;
        if (n_subjects) {
            PyObject *entry_subjects = PyTuple_GET_ITEM(entry, 2);
            int disjoint = 1;
            for (Py_ssize_t u = 0; u < n_subjects && disjoint; u++) {
                int in = PySet_Contains(entry_subjects, PyTuple_GET_ITEM(subjects, u));
                if (in < 0)
                    goto fail;
                if (in)
                    disjoint = 0;
            }
            if (disjoint)
                s *= subject_miss;
        }
        if (keep_larger(best, gid, s) < 0)
            goto fail;
    }
    PyMem_Free(shared);
    PyMem_Free(seen);
    PyMem_Free(order);
    return best;
fail:
    PyMem_Free(shared);
    PyMem_Free(seen);
    PyMem_Free(order);
    Py_XDECREF(best);
    return NULL;
}


PyDoc_STRVAR(ranked_doc,
"ranked(best, named, named_total, core, order, core_bonus) -> list\n\n"
"guide_matching._ranked: each guide's score with the bonus for a guide whose title and\n"
"aliases are about what the message names, best first (scores equal to six places in the\n"
"guides' tie-break order), as (guide id, score) pairs.");

typedef struct {
    long long rank;    /* the guide's place in the tie-break order */
    double score;
    PyObject *gid;     /* borrowed from best */
} Row;

static double round6(double x);

/* By (-round(score, 6), rank), as guide_matching.ranked_python's key. Rounding is monotonic
   and moves a score by at most half a millionth, so scores more than two millionths apart
   round apart and in the same order: only closer ones are rounded (it costs a printf). */
static int
row_order(const void *a, const void *b)
{
    const Row *x = a, *y = b;
    if (x->score - y->score > 2e-6)
        return -1;
    if (y->score - x->score > 2e-6)
        return 1;
    double rx = round6(x->score), ry = round6(y->score);
    if (rx != ry)
        return rx > ry ? -1 : 1;
    return (x->rank > y->rank) - (x->rank < y->rank);
}

/* round(x, 6) as Python's float.__round__ gives it: the decimal correctly rounded (half to
   even on the exact binary value), read back correctly rounded; glibc's printf and strtod are
   both exact, as CPython's dtoa is. */
static double
round6(double x)
{
    char buf[400];
    if (!isfinite(x))
        return x;
    snprintf(buf, sizeof buf, "%.6f", x);
    return strtod(buf, NULL);
}

static PyObject *
ranked_of(PyObject *best, PyObject *named, double named_total, PyObject *core, PyObject *order, double bonus)
{
    Py_ssize_t m = PyDict_GET_SIZE(best), pos = 0, i = 0, n_named = PyTuple_GET_SIZE(named);
    Row *rows = PyMem_Malloc((size_t)(m ? m : 1) * sizeof(Row));
    PyObject *gid, *value, *out = NULL;
    if (rows == NULL)
        return PyErr_NoMemory();
    while (PyDict_Next(best, &pos, &gid, &value)) {
        double s = PyFloat_AsDouble(value);
        if (s == -1.0 && PyErr_Occurred())
            goto fail;
        if (named_total != 0.0) {
            PyObject *about = PyDict_GetItemWithError(core, gid);
            double acc = 0.0;
            if (about == NULL && PyErr_Occurred())
                goto fail;
            for (Py_ssize_t u = 0; about != NULL && u < n_named; u++) {
                PyObject *pair = PyTuple_GET_ITEM(named, u);
                int in = PySequence_Contains(about, PyTuple_GET_ITEM(pair, 0));
                if (in < 0)
                    goto fail;
                if (in) {
                    double w = PyFloat_AsDouble(PyTuple_GET_ITEM(pair, 1));
                    if (w == -1.0 && PyErr_Occurred())
                        goto fail;
                    acc += w;
                }
            }
            s = s + bonus * acc / named_total;
        }
        PyObject *rank = PyDict_GetItemWithError(order, gid);
        if (rank == NULL) {
            if (!PyErr_Occurred())
                PyErr_SetObject(PyExc_KeyError, gid);
            goto fail;
        }
        rows[i].rank = PyLong_AsLongLong(rank);
        if (rows[i].rank == -1 && PyErr_Occurred())
            goto fail;
        rows[i].score = s;
        rows[i].gid = gid;
        i++;
    }
    /* the ranks are distinct (one per guide), so the order is total and qsort's instability
       cannot show */
    qsort(rows, (size_t)m, sizeof(Row), row_order);
    out = PyList_New(m);
    if (out == NULL)
        goto fail;
    for (i = 0; i < m; i++) {
        PyObject *score = PyFloat_FromDouble(rows[i].score);
        PyObject *pair = score ? PyTuple_Pack(2, rows[i].gid, score) : NULL;
        Py_XDECREF(score);
        if (pair == NULL)
            goto fail;
        PyList_SET_ITEM(out, i, pair);
    }
    PyMem_Free(rows);
    return out;
fail:
    PyMem_Free(rows);
    Py_XDECREF(out);
    return NULL;
}

static PyObject *
best_scores(PyObject *self, PyObject *args)
{
    PyObject *query, *postings, *entries, *subjects;
    double q_total, alpha, beta, subject_miss;
    if (!PyArg_ParseTuple(args, "O!dO!O!O!ddd:best_scores", &PyDict_Type, &query, &q_total,
                          &PyDict_Type, &postings, &PyList_Type, &entries, &PyTuple_Type, &subjects,
                          &alpha, &beta, &subject_miss))
        return NULL;
    return best_scores_of(query, q_total, postings, entries, subjects, alpha, beta, subject_miss);
}

static PyObject *
ranked(PyObject *self, PyObject *args)
{
    PyObject *best, *named, *core, *order;
    double named_total, bonus;
    if (!PyArg_ParseTuple(args, "O!O!dO!O!d:ranked", &PyDict_Type, &best, &PyTuple_Type, &named,
                          &named_total, &PyDict_Type, &core, &PyDict_Type, &order, &bonus))
        return NULL;
    return ranked_of(best, named, named_total, core, order, bonus);
}

PyDoc_STRVAR(score_doc,
"score(concepts, residue, bigram_weight, postings, entries, weak, core, order, alpha, beta,\n"
"      subject_miss, core_bonus) -> list\n\n"
"guide_matching.score_python whole: the message's weighted features (its concepts, then the\n"
"weighted bigrams of its residue in text order), each guide's best entry score, ranked.");

static PyObject *
score(PyObject *self, PyObject *args)
{
    PyObject *concepts, *residue, *bigram_weight, *postings, *entries, *weak, *core, *order;
    double alpha, beta, subject_miss, bonus;
    if (!PyArg_ParseTuple(args, "O!UO!O!O!OO!O!dddd:score", &PyDict_Type, &concepts, &residue,
                          &PyDict_Type, &bigram_weight, &PyDict_Type, &postings, &PyList_Type, &entries, &weak,
                          &PyDict_Type, &core, &PyDict_Type, &order, &alpha, &beta, &subject_miss, &bonus))
        return NULL;
    PyObject *query = PyDict_Copy(concepts), *subjects = NULL, *named = NULL, *best = NULL, *result = NULL;
    if (query == NULL)
        return NULL;
    int kind = PyUnicode_KIND(residue);
    const void *data = PyUnicode_DATA(residue);
    Py_ssize_t n = PyUnicode_GET_LENGTH(residue);
    for (Py_ssize_t j = 0; j + 1 < n; j++) {
        if (PyUnicode_READ(kind, data, j) == '|' || PyUnicode_READ(kind, data, j + 1) == '|')
            continue;
        PyObject *gram = PyUnicode_Substring(residue, j, j + 2);
        if (gram == NULL)
            goto done;
        PyObject *w = PyDict_GetItemWithError(bigram_weight, gram);
        int truthy = w != NULL ? PyObject_IsTrue(w) : 0;
        if (truthy > 0) {
            PyObject *key = PyUnicode_FromFormat("~%U", gram);
            if (key == NULL || PyDict_SetItem(query, key, w) < 0) {
                Py_XDECREF(key);
                Py_DECREF(gram);
                goto done;
            }
            Py_DECREF(key);
        }
        Py_DECREF(gram);
        if (truthy < 0 || (w == NULL && PyErr_Occurred()))
            goto done;
    }
    if (PyDict_GET_SIZE(query) == 0) {
        result = PyList_New(0);
        goto done;
    }
    double q_total = 0.0;
    Py_ssize_t pos = 0;
    PyObject *key, *value;
    while (PyDict_Next(query, &pos, &key, &value)) {
        double w = PyFloat_AsDouble(value);
        if (w == -1.0 && PyErr_Occurred())
            goto done;
        q_total += w;
    }
    /* the subjects the message names, and the concepts that count for the core bonus */
    subjects = PyList_New(0);
    named = PyList_New(0);
    if (subjects == NULL || named == NULL)
        goto done;
    double named_total = 0.0;
    pos = 0;
    while (PyDict_Next(concepts, &pos, &key, &value)) {
        int is_weak = PySequence_Contains(weak, key);
        if (is_weak < 0)
            goto done;
        if (is_weak)
            continue;
        PyObject *pair = PyTuple_Pack(2, key, value);
        if (pair == NULL || PyList_Append(named, pair) < 0) {
            Py_XDECREF(pair);
            goto done;
        }
        Py_DECREF(pair);
        double w = PyFloat_AsDouble(value);
        if (w == -1.0 && PyErr_Occurred())
            goto done;
        named_total += w;
        if (PyUnicode_Check(key) && PyUnicode_GET_LENGTH(key) >= 2 && PyUnicode_READ_CHAR(key, 0) == 'S'
                && PyUnicode_READ_CHAR(key, 1) == '_' && PyList_Append(subjects, key) < 0)
            goto done;
    }
    PyObject *subject_tuple = PyList_AsTuple(subjects), *named_tuple = PyList_AsTuple(named);
    if (subject_tuple == NULL || named_tuple == NULL) {
        Py_XDECREF(subject_tuple);
        Py_XDECREF(named_tuple);
        goto done;
    }
    best = best_scores_of(query, q_total, postings, entries, subject_tuple, alpha, beta, subject_miss);
    if (best != NULL)
        result = ranked_of(best, named_tuple, named_total, core, order, bonus);
    Py_DECREF(subject_tuple);
    Py_DECREF(named_tuple);
done:
    Py_DECREF(query);
    Py_XDECREF(subjects);
    Py_XDECREF(named);
    Py_XDECREF(best);
    return result;
}

/* Every group of ``groups`` (a tuple of tuples of str) has a string found in norm. */
static int
holds(PyObject *norm, PyObject *groups)
{
    for (Py_ssize_t g = 0; g < PyTuple_GET_SIZE(groups); g++) {
        PyObject *group = PyTuple_GET_ITEM(groups, g);
        int any = 0;
        for (Py_ssize_t w = 0; w < PyTuple_GET_SIZE(group) && !any; w++) {
            any = PyUnicode_Contains(norm, PyTuple_GET_ITEM(group, w));
            if (any < 0)
                return -1;
        }
        if (!any)
            return 0;
    }
    return 1;
}

PyDoc_STRVAR(danger_words_found_doc,
"danger_words_found(norm, by_pair, by_char) -> bool\n\n"
"guide_emergency.may_be_danger's scan: whether the text holds the words some alternative\n"
"of the danger patterns needs.");

static PyObject *
danger_words_found(PyObject *self, PyObject *args)
{
    PyObject *norm, *by_pair, *by_char;
    if (!PyArg_ParseTuple(args, "UO!O!:danger_words_found", &norm, &PyDict_Type, &by_pair, &PyDict_Type, &by_char))
        return NULL;
    Py_ssize_t n = PyUnicode_GET_LENGTH(norm);
    for (Py_ssize_t i = 0; i < n; i++) {
        for (Py_ssize_t width = 1; width <= 2 && i + width <= n; width++) {
            PyObject *piece = PyUnicode_Substring(norm, i, i + width);
            if (piece == NULL)
                return NULL;
            PyObject *found = list_at(width == 1 ? by_char : by_pair, piece, "danger_words_found");
            Py_DECREF(piece);
            if (found == NULL) {
                if (PyErr_Occurred())
                    return NULL;
                continue;
            }
            for (Py_ssize_t f = 0; f < PyList_GET_SIZE(found); f++) {
                PyObject *item = PyList_GET_ITEM(found, f), *rest = item;
                if (width == 2) {  /* (word, rest): the word must start here */
                    PyObject *word = PyTuple_GET_ITEM(item, 0);
                    Py_ssize_t len = PyUnicode_GET_LENGTH(word);
                    if (i + len > n)
                        continue;
                    int at = (int)PyUnicode_Tailmatch(norm, word, i, i + len, -1);
                    if (at < 0)
                        return NULL;
                    if (!at)
                        continue;
                    rest = PyTuple_GET_ITEM(item, 1);
                }
                int met = holds(norm, rest);
                if (met < 0)
                    return NULL;
                if (met)
                    Py_RETURN_TRUE;
            }
        }
    }
    Py_RETURN_FALSE;
}

static PyMethodDef methods[] = {
    {"extract", extract, METH_VARARGS, extract_doc},
    {"best_scores", best_scores, METH_VARARGS, best_scores_doc},
    {"ranked", ranked, METH_VARARGS, ranked_doc},
    {"score", score, METH_VARARGS, score_doc},
    {"danger_words_found", danger_words_found, METH_VARARGS, danger_words_found_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_matcher",
    "The matcher's inner loops, compiled (see guide_lexicon.extract and guide_matching.score).",
    -1, methods,
};

PyMODINIT_FUNC
PyInit__matcher(void)
{
    return PyModule_Create(&module);
}
