"""The one source of the claim materials catalogue and of the ways to hand materials in.

Per claim type a written checklist (清单化、书面化): what each item is, where to get it and
when it is needed, so the customer never has to run back and forth. `required_when` is
None for items every claim of that type needs.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class ClaimType(str, enum.Enum):
    """Claim types, fixed by the product contract (§3, §4)."""

    vehicle = "vehicle"
    injury = "injury"
    property = "property"
    medical = "medical"


CLAIM_TYPE_LABELS: dict[ClaimType, str] = {
    ClaimType.vehicle: "车辆损失",
    ClaimType.injury: "人身伤害/意外",
    ClaimType.property: "财产损失",
    ClaimType.medical: "医疗/健康",
}


@dataclass(frozen=True)
class MaterialItem:
    """One item of a checklist."""

    code: str
    name: str
    what: str
    where_to_get: str
    required_when: str | None = None


@dataclass(frozen=True)
class SubmissionMethod:
    """One way of handing materials in."""

    code: str
    name: str
    how: str


# Items shared by several claim types, defined once.
_ID_CARD = MaterialItem(
    "id_card",
    "被保险人身份证",
    "被保险人的居民身份证正反面，用于核实身份。",
    "本人持有；如遗失可到户籍所在地或居住地派出所补办，期间可用临时身份证。",
)
_BANK_CARD = MaterialItem(
    "bank_card",
    "银行卡",
    "用于接收赔款的银行卡（账户名一般需为被保险人本人），提供卡号和开户行信息即可。",
    "本人持有的借记卡；卡号和开户行可在银行App或柜台查询。",
)
_MEDICAL_RECORD = MaterialItem(
    "medical_record",
    "病历",
    "就诊时医生记录的门诊或住院病历，写明病情和治疗经过。",
    "就诊医院，住院病历可到医院病案室复印并加盖医院印章。",
)
_DIAGNOSIS = MaterialItem(
    "diagnosis",
    "诊断证明",
    "医院出具的诊断证明书，写明诊断结果。",
    "就诊医院的主治医生开具，到医务科或门诊办公室盖章。",
)
_DISCHARGE_SUMMARY = MaterialItem(
    "discharge_summary",
    "出院小结",
    "出院时医院出具的住院经过和出院诊断记录（也叫出院记录）。",
    "住院医院的主管医生或病案室。",
    "住院治疗时",
)

CATALOGUE: dict[ClaimType, tuple[MaterialItem, ...]] = {
    ClaimType.vehicle: (
        _ID_CARD,
        MaterialItem(
            "driver_license",
            "驾驶证",
            "出险时驾驶车辆的驾驶人的机动车驾驶证。",
            "驾驶人本人持有；电子驾驶证可在“交管12123”App中出示。",
        ),
        MaterialItem(
            "vehicle_license",
            "机动车行驶证",
            "出险车辆的行驶证，证明车辆的登记信息。",
            "车主持有，一般随车携带；遗失可到车辆登记地车管所补领。",
        ),
        MaterialItem(
            "accident_liability",
            "事故责任认定书",
            "交警对事故经过和各方责任作出的认定。",
            "处理本次事故的公安交通管理部门（交警大队）。",
            "交警处理的事故",
        ),
        MaterialItem(
            "quick_settlement",
            "快处快赔协议书",
            "双方自行协商处理小事故时填写的协议书，可代替事故责任认定书。",
            "事故现场通过“交管12123”App或快处快赔点填写。",
            "双方自行协商、走快处快赔的小事故",
        ),
        MaterialItem(
            "damage_photos",
            "车辆损失照片",
            "事故现场、车辆受损部位和车牌的清晰照片。",
            "您自己用手机拍摄即可，尽量在移动车辆前拍摄现场。",
        ),
        MaterialItem(
            "loss_assessment",
            "定损单",
            "保险公司对车辆损失项目和金额的核定结果。",
            "保险公司定损员查勘后出具，无需您自己准备。",
        ),
        MaterialItem(
            "repair_invoice",
            "维修发票",
            "车辆修好后维修厂开具的正规发票及维修清单。",
            "负责维修的修理厂。",
        ),
        MaterialItem(
            "occupant_injury_documents",
            "人员伤亡相关材料",
            "车上人员或第三者受伤时的病历、诊断证明、医疗费用发票等。",
            "就诊医院。",
            "有人员受伤或身故时",
        ),
        _BANK_CARD,
    ),
    ClaimType.injury: (
        _ID_CARD,
        _MEDICAL_RECORD,
        _DIAGNOSIS,
        MaterialItem(
            "medical_invoice",
            "医疗费用发票及明细",
            "医院开具的医疗费用发票和费用明细清单，建议提供原件。",
            "就诊医院的收费处；电子发票可在医院公众号或财政电子票据平台下载。",
        ),
        _DISCHARGE_SUMMARY,
        MaterialItem(
            "accident_proof",
            "意外事故证明",
            "证明意外事故经过的材料，例如交通事故认定书、单位或派出所出具的事故证明。",
            "根据事故情况，由交警、派出所、所在单位或社区（村委会）出具。",
        ),
        MaterialItem(
            "disability_assessment",
            "伤残鉴定报告",
            "具有资质的鉴定机构出具的伤残等级鉴定意见。",
            "具有司法鉴定资质的鉴定机构，一般在治疗结束后申请。",
            "申请伤残保险金时",
        ),
        MaterialItem(
            "death_certificate",
            "死亡证明",
            "医疗机构或公安机关出具的居民死亡医学证明。",
            "出具死亡证明的医院，或公安机关。",
            "申请身故保险金时",
        ),
        MaterialItem(
            "household_cancellation",
            "户籍注销证明",
            "被保险人身故后的户口注销证明。",
            "被保险人户籍所在地派出所。",
            "申请身故保险金时",
        ),
        MaterialItem(
            "beneficiary_relation",
            "受益人关系证明",
            "证明申请人与被保险人关系的材料，例如户口簿、结婚证、出生证明或公证书。",
            "派出所、民政部门或公证处。",
            "申请身故保险金时",
        ),
        _BANK_CARD,
    ),
    ClaimType.property: (
        _ID_CARD,
        MaterialItem(
            "loss_list",
            "财产损失清单",
            "列明受损财产的名称、数量、购买时间和价格。",
            "您自己填写，我们可以提供模板。",
        ),
        MaterialItem(
            "scene_photos",
            "现场照片",
            "受损财产和现场的清晰照片或视频。",
            "您自己用手机拍摄，请在清理现场前拍摄。",
        ),
        MaterialItem(
            "purchase_proof",
            "购置发票或价值证明",
            "受损财产的购买发票、购物记录或其他能证明价值的材料。",
            "您自己保存的发票，或电商平台的订单记录。",
        ),
        MaterialItem(
            "repair_quote",
            "维修或重置报价",
            "修复受损财产或重新购置的报价单。",
            "维修单位或销售商家。",
        ),
        MaterialItem(
            "official_proof",
            "物业或消防、公安证明",
            "证明事故原因的材料：水管爆裂等可由物业出具，火灾由消防部门出具，盗抢由公安机关出具报案回执。",
            "小区物业、消防救援机构或报案的派出所。",
            "涉及水管爆裂、火灾或盗抢等事故时",
        ),
        _BANK_CARD,
    ),
    ClaimType.medical: (
        _ID_CARD,
        _MEDICAL_RECORD,
        _DIAGNOSIS,
        MaterialItem(
            "medical_invoice",
            "住院/门诊发票及费用明细",
            "医院开具的住院或门诊费用发票和费用明细清单。",
            "就诊医院的收费处；电子发票可在医院公众号或财政电子票据平台下载。",
        ),
        _DISCHARGE_SUMMARY,
        MaterialItem(
            "exam_reports",
            "检查报告",
            "化验单、影像（CT、B超等）和病理等检查报告。",
            "就诊医院的检验科、影像科，或医院自助打印机。",
        ),
        _BANK_CARD,
    ),
}

SUBMISSION_METHODS: tuple[SubmissionMethod, ...] = (
    SubmissionMethod(
        "online",
        "线上上传",
        "在本对话、微信公众号或App中拍照上传，请保证照片清晰、四角完整。",
    ),
    SubmissionMethod(
        "post",
        "邮寄",
        "把材料寄给理赔专员（地址以理赔专员告知为准），建议使用可查询物流的快递并保留单号。",
    ),
    SubmissionMethod(
        "in_person",
        "柜面递交",
        "携带材料到就近的服务网点递交，工作人员会当场核对是否齐全。",
    ),
)


def checklist(claim_type: ClaimType | str) -> tuple[MaterialItem, ...]:
    """The checklist of a claim type."""
    return CATALOGUE[ClaimType(claim_type)]


def resolve_item(claim_type: ClaimType | str, code_or_name: str) -> MaterialItem | None:
    """Find a catalogue item by its code or its Chinese name."""
    wanted = code_or_name.strip()
    for item in checklist(claim_type):
        if wanted in (item.code, item.name):
            return item
    return None
