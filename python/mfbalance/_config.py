"""Config: a checked mf_config, from the embedded default or an INI file, with overrides."""
import math
import numbers
import os

from ._lib import CONFIG_LOCK, check, load


def format_value(value):
    """A Python value as the text of a configuration value: numbers with every digit
    (repr), booleans as true/false, sequences separated by spaces, strings as they are."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        v = float(value)
        return "inf" if v == math.inf else "-inf" if v == -math.inf else repr(v)
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    try:
        return " ".join(format_value(v) for v in value)
    except TypeError:
        return str(value)


class Config:
    """A configuration, checked by the library (mf_config_load) as `mfbalance run` checks it.

        Config()                                   the embedded default model
        Config("my.ini")                           a file (layered on the default)
        Config("my.ini", **{"model.gamma": 1000})  with overrides section.key=value
        Config(None, ["grid.cells=4000"])          overrides as the command line's strings

    Overrides given as strings come first, keyword overrides after, each in order.  Values
    are formatted by format_value: 1000 -> "1000", 0.1 -> "0.1", [0, 1, 5] -> "0 1 5",
    True -> "true", math.inf -> "inf".  An invalid value raises InputError with the
    message the program prints; an unreadable file FileError.
    """

    def __init__(self, path=None, overrides=(), **settings):
        if isinstance(overrides, str):
            overrides = [overrides]
        self.path = os.fspath(path) if path is not None else None
        self.overrides = tuple(str(o) for o in overrides) + tuple(f"{k}={format_value(v)}" for k, v in settings.items())
        ffi, lib = load()
        self._ffi, self._lib = ffi, lib
        self._c = ffi.new("mf_config *")
        keep = [ffi.new("char[]", o.encode()) for o in self.overrides]
        argv = ffi.new("char *[]", keep) if keep else ffi.NULL
        path_c = ffi.new("char[]", self.path.encode()) if self.path is not None else ffi.NULL
        # libinih's options are process-wide: one configuration is parsed at a time.
        with CONFIG_LOCK:
            status = lib.mf_config_load(self._c, path_c, len(keep), argv)
            if status != 0:
                check(status)
        self._ini = None

    def replace(self, overrides=(), **settings):
        """A new Config: the same file and overrides, then these."""
        if isinstance(overrides, str):
            overrides = [overrides]
        return Config(self.path, list(self.overrides) + [str(o) for o in overrides], **settings)

    def ini(self):
        """The effective configuration as INI text (mf_config_write), as `mfbalance config` prints it."""
        if self._ini is None:
            ffi, lib = self._ffi, self._lib
            buf = ffi.new("char **")
            size = ffi.new("size_t *")
            fp = lib.open_memstream(buf, size)
            if fp == ffi.NULL:
                raise MemoryError("open_memstream failed")
            status = lib.mf_config_write(self._c, fp)
            lib.fclose(fp)
            try:
                text = ffi.string(buf[0], size[0]).decode()
            finally:
                lib.free(buf[0])
            check(status)
            self._ini = text
        return self._ini

    def items(self):
        """{"section.key": value text} of the effective configuration."""
        out, section = {}, None
        for line in self.ini().splitlines():
            line = line.strip()
            if line.startswith("[") and line.endswith("]"):
                section = line[1:-1]
            elif "=" in line and section:
                key, value = line.split("=", 1)
                out[f"{section}.{key.strip()}"] = value.strip()
        return out

    def __getitem__(self, key):
        """The value of "section.key" as the INI gives it: a float, a list of floats, or text."""
        text = self.items()[key]
        words = text.split()
        try:
            values = [float(w) for w in words]
        except ValueError:
            return text
        return values[0] if len(values) == 1 else values

    @property
    def populations(self):
        """The population names, in order."""
        m = self._c.model
        return tuple(self._ffi.string(m.pop[p].name).decode() for p in range(m.P))

    @property
    def P(self):
        return self._c.model.P

    @property
    def gamma(self):
        return self._c.model.gamma

    def __repr__(self):
        args = [repr(self.path)] if self.path is not None else []
        args += [repr(o) for o in self.overrides]
        return f"Config({', '.join(args)})"


def as_config(cfg, settings):
    """cfg (a Config, an INI path or None for the default) with the overrides in settings."""
    if cfg is None or isinstance(cfg, (str, os.PathLike)):
        return Config(cfg, **settings)
    return cfg.replace(**settings) if settings else cfg
