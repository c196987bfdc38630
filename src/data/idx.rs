//! A loader for the IDX file format of the MNIST database (LeCun, Bottou, Bengio & Haffner,
//! "Gradient-based learning applied to document recognition", Proc. IEEE 86(11), 1998;
//! format described on the MNIST page), raw or gzip-compressed (`train-images-idx3-ubyte.gz`).
//!
//! An IDX file is a 4-byte magic number — two zero bytes, a type byte, the number of
//! dimensions `d` — then `d` big-endian `u32` sizes, then the values, big-endian, row-major.
//! Type bytes: `0x08` u8, `0x09` i8, `0x0B` i16, `0x0C` i32, `0x0D` f32, `0x0E` f64; all are
//! read, as `f32` values as they are (u8 pixels stay `0..=255`; the caller scales). MNIST's
//! images are magic `0x00000803` (u8, `[n, 28, 28]`) and labels `0x00000801` (u8, `[n]`).
//!
//! Gzip is detected from the content (the `1f 8b` magic), not the file name. Malformed input
//! is [`Error::Format`] naming the file and the problem: a bad magic number, an unknown type,
//! sizes whose product overflows, fewer data bytes than the header claims (a truncated file)
//! or bytes after the data. The claimed size is never allocated up front: the data is read
//! into a buffer that grows with the bytes actually present, so a header claiming 2³¹ images
//! on a 100-byte file fails quickly without a huge allocation.

use std::io::{self, Read};
use std::path::Path;

use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::tensor::Tensor;

fn format_err(context: &str, reason: impl Into<String>) -> Error {
    Error::Format {
        context: context.to_string(),
        reason: reason.into(),
    }
}

/// Maps a read error: corrupt or truncated compressed data is a format error, the rest I/O.
fn read_err(context: &str, e: io::Error, gzip: bool) -> Error {
    match e.kind() {
        io::ErrorKind::InvalidData | io::ErrorKind::InvalidInput | io::ErrorKind::UnexpectedEof if gzip => {
            format_err(context, format!("corrupt or truncated gzip data: {e}"))
        }
        _ => Error::Io(e),
    }
}

/// Reads until `buf` is full or the input ends; returns the number of bytes read.
fn read_full<R: Read>(r: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(k) => got += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

/// The element size in bytes and a name for an IDX type byte.
fn dtype(code: u8) -> Option<(usize, &'static str)> {
    Some(match code {
        0x08 => (1, "u8"),
        0x09 => (1, "i8"),
        0x0B => (2, "i16"),
        0x0C => (4, "i32"),
        0x0D => (4, "f32"),
        0x0E => (8, "f64"),
        _ => return None,
    })
}

fn decode(code: u8, bytes: &[u8]) -> Vec<f32> {
    match code {
        0x08 => bytes.iter().map(|&b| b as f32).collect(),
        0x09 => bytes.iter().map(|&b| b as i8 as f32).collect(),
        0x0B => bytes
            .chunks_exact(2)
            .map(|c| i16::from_be_bytes([c[0], c[1]]) as f32)
            .collect(),
        0x0C => bytes
            .chunks_exact(4)
            .map(|c| i32::from_be_bytes([c[0], c[1], c[2], c[3]]) as f32)
            .collect(),
        0x0D => bytes
            .chunks_exact(4)
            .map(|c| f32::from_be_bytes([c[0], c[1], c[2], c[3]]))
            .collect(),
        0x0E => bytes
            .chunks_exact(8)
            .map(|c| f64::from_be_bytes(c.try_into().expect("chunk of 8")) as f32)
            .collect(),
        _ => unreachable!("dtype code validated before decoding"),
    }
}

fn read_idx_impl<R: Read>(mut reader: R, context: &str) -> Result<Tensor> {
    let mut magic = [0u8; 4];
    let got = read_full(&mut reader, &mut magic)?;
    if got >= 2 && magic[0] == 0x1f && magic[1] == 0x8b {
        let chained = io::Cursor::new(magic[..got].to_vec()).chain(reader);
        read_idx_body(flate2::read::MultiGzDecoder::new(chained), context, true)
    } else {
        read_idx_body(
            io::Cursor::new(magic[..got].to_vec()).chain(reader),
            context,
            false,
        )
    }
}

fn read_idx_body<R: Read>(mut r: R, context: &str, gzip: bool) -> Result<Tensor> {
    let mut magic = [0u8; 4];
    let got = read_full(&mut r, &mut magic).map_err(|e| read_err(context, e, gzip))?;
    if got < 4 {
        return Err(format_err(
            context,
            format!("truncated header: {got} bytes, an IDX file starts with a 4-byte magic number"),
        ));
    }
    let magic_hex = u32::from_be_bytes(magic);
    if magic[0] != 0 || magic[1] != 0 {
        return Err(format_err(
            context,
            format!("bad magic number 0x{magic_hex:08x}: an IDX file starts with two zero bytes"),
        ));
    }
    let (code, ndim) = (magic[2], magic[3] as usize);
    let Some((elem, type_name)) = dtype(code) else {
        return Err(format_err(
            context,
            format!(
                "bad magic number 0x{magic_hex:08x}: unknown data type 0x{code:02x} (known: 0x08 u8, 0x09 i8, \
                 0x0B i16, 0x0C i32, 0x0D f32, 0x0E f64)"
            ),
        ));
    };
    if ndim == 0 {
        return Err(format_err(
            context,
            format!("magic number 0x{magic_hex:08x} declares 0 dimensions"),
        ));
    }
    let mut dims_bytes = vec![0u8; 4 * ndim];
    let got = read_full(&mut r, &mut dims_bytes).map_err(|e| read_err(context, e, gzip))?;
    if got < dims_bytes.len() {
        return Err(format_err(
            context,
            format!(
                "truncated header: {ndim} dimension sizes need {} bytes, found {got}",
                4 * ndim
            ),
        ));
    }
    let shape: Vec<usize> = dims_bytes
        .chunks_exact(4)
        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]) as usize)
        .collect();
    let n_bytes = shape
        .iter()
        .try_fold(elem, |acc, &d| acc.checked_mul(d))
        .filter(|&b| b <= isize::MAX as usize)
        .ok_or_else(|| {
            format_err(
                context,
                format!("absurd dimensions {shape:?}: the data size overflows"),
            )
        })?;

    // Read what is there, at most the claimed size: the buffer grows with the data actually
    // present, so a lying header cannot make us allocate its claimed size.
    const INITIAL: usize = 1 << 20;
    let mut data = Vec::with_capacity(n_bytes.min(INITIAL));
    (&mut r)
        .take(n_bytes as u64)
        .read_to_end(&mut data)
        .map_err(|e| read_err(context, e, gzip))?;
    if data.len() < n_bytes {
        return Err(format_err(
            context,
            format!(
                "truncated data: the header claims {shape:?} {type_name} values ({n_bytes} bytes), only {} \
                 bytes follow",
                data.len()
            ),
        ));
    }
    let mut extra = [0u8; 1];
    if read_full(&mut r, &mut extra).map_err(|e| read_err(context, e, gzip))? > 0 {
        return Err(format_err(
            context,
            format!("unexpected bytes after the {n_bytes} data bytes the header {shape:?} claims"),
        ));
    }
    Tensor::from_vec(decode(code, &data), &shape)
}

/// Reads an IDX file (raw or gzip) into a tensor of its shape, values as `f32` as they are.
///
/// ```
/// use trustnn::data::read_idx;
/// // A 2×3 u8 "image" file: magic 0x00000802, sizes 2 and 3, then 6 bytes.
/// let mut bytes = vec![0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3];
/// bytes.extend_from_slice(&[0, 1, 2, 253, 254, 255]);
/// let path = std::env::temp_dir().join(format!("trustnn_doc_{}.idx", std::process::id()));
/// std::fs::write(&path, &bytes)?;
/// let t = read_idx(&path)?;
/// assert_eq!(t.shape(), &[2, 3]);
/// assert_eq!(t.as_slice(), &[0.0, 1.0, 2.0, 253.0, 254.0, 255.0]);
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), trustnn::Error>(())
/// ```
pub fn read_idx(path: impl AsRef<Path>) -> Result<Tensor> {
    let path = path.as_ref();
    let file = std::fs::File::open(path)?;
    read_idx_impl(io::BufReader::new(file), &path.display().to_string())
}

/// [`read_idx`] from any reader (the context in errors is `"IDX input"`).
pub fn read_idx_from_reader<R: Read>(reader: R) -> Result<Tensor> {
    read_idx_impl(reader, "IDX input")
}

/// The largest number of classes [`load_mnist`] accepts (labels up to 65535).
const MAX_CLASSES: usize = 1 << 16;

/// Loads an MNIST-style image/label file pair (raw or gzip) as a classification dataset.
///
/// * The images (an IDX file of `d >= 2` dimensions, `[n, rows, cols]` for MNIST) are
///   flattened to `[n, rows·cols]`, ready for a `Dense` input layer (reshape to
///   `[n, 1, rows, cols]` for convolutions); with `scale_to_unit` every value is divided by
///   255 (u8 pixels to `[0, 1]`), otherwise values are kept as they are.
/// * The labels (a 1-d IDX file of `n` non-negative integers) are `y`, `[n]`; the class
///   names are `"0"`, `"1"`, ... up to the largest label.
/// * Different sample counts, labels that are not integers in `0..65536`, or an image file
///   with fewer than 2 dimensions are [`Error::Format`] naming the files.
///
/// ```no_run
/// let train = trustnn::data::load_mnist(
///     "mnist/train-images-idx3-ubyte.gz",
///     "mnist/train-labels-idx1-ubyte.gz",
///     true,
/// )?;
/// assert_eq!(train.x().shape(), &[60000, 784]);
/// # Ok::<(), trustnn::Error>(())
/// ```
pub fn load_mnist(
    images_path: impl AsRef<Path>,
    labels_path: impl AsRef<Path>,
    scale_to_unit: bool,
) -> Result<Dataset> {
    let (ip, lp) = (images_path.as_ref(), labels_path.as_ref());
    let images = read_idx(ip)?;
    let labels = read_idx(lp)?;
    let (ictx, lctx) = (ip.display().to_string(), lp.display().to_string());
    if images.ndim() < 2 {
        return Err(format_err(
            &ictx,
            format!(
                "images need at least 2 dimensions ([n, rows, cols]), found {:?}",
                images.shape()
            ),
        ));
    }
    if labels.ndim() != 1 {
        return Err(format_err(
            &lctx,
            format!("labels need 1 dimension ([n]), found {:?}", labels.shape()),
        ));
    }
    if images.batch_size() != labels.batch_size() {
        return Err(format_err(
            &format!("{ictx} and {lctx}"),
            format!(
                "{} images but {} labels: the counts must match",
                images.batch_size(),
                labels.batch_size()
            ),
        ));
    }
    if let Some(i) = labels
        .as_slice()
        .iter()
        .position(|&v| !(v >= 0.0 && v.fract() == 0.0))
    {
        return Err(format_err(
            &lctx,
            format!(
                "label {} at index {i} is not a non-negative integer",
                labels.as_slice()[i]
            ),
        ));
    }
    let n = images.batch_size();
    let width = images.sample_size();
    let mut images = images.reshape(&[n, width])?;
    if scale_to_unit {
        images.as_slice_mut().iter_mut().for_each(|v| *v /= 255.0);
    }
    let max_label = labels.as_slice().iter().fold(0.0f32, |m, &v| m.max(v));
    if max_label >= MAX_CLASSES as f32 {
        return Err(format_err(
            &lctx,
            format!(
                "label {max_label} is too large for a class index (at most {})",
                MAX_CLASSES - 1
            ),
        ));
    }
    let max_label = max_label as usize;
    let class_names: Vec<String> = (0..=max_label).map(|c| c.to_string()).collect();
    Ok(Dataset::new(images, labels)?.with_class_names(&class_names))
}
