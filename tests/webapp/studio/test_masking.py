from webapp.studio.masking import mask


def test_mask_personal_numbers():
    text = "电话13812345678 身份证110105198003071234 保单pdaa 2026 0301 0000 001234 报案号BA20261015000101"
    masked = mask(text)
    for secret in ("13812345678", "110105198003071234", "0301 0000", "20261015000101"):
        assert secret not in masked
    assert masked.startswith("电话13*******78")
    assert len(masked) == len(text)  # offsets of entity marks stay valid


def test_mask_leaves_ordinary_text():
    assert mask("我昨天下午三点被追尾了，损失大概5000元") == "我昨天下午三点被追尾了，损失大概5000元"
    assert mask(mask("13812345678")) == mask("13812345678")
