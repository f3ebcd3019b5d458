"""The privacy and secrecy scan: one test per kind, the clean texts that must stay
clean, masking, offsets, speed, and the labelled bench set (so `make test` guards it).

Every ID and card number here is synthetic: built by the helpers below with a valid
check digit, never copied from a real person."""
from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

import pytest

from wechat_bot.services.privacy import (
    DEFAULT_SENSITIVE_WORDS,
    KIND_LABELS,
    Finding,
    apply_masks,
    published_text,
    scan,
)

REPO = Path(__file__).resolve().parents[2]
# The bureau's own published 2019 report (public text), kept as a fixture.
SEED_REPORT = Path(__file__).resolve().parent.parent / "fixtures" / "annual-summary-2019.simplified.txt"
BENCH_SCRIPT = REPO / "bench" / "privacy_eval.py"


# --- synthetic numbers -----------------------------------------------------------

def make_id(region: str = "610727", birth: str = "19900101", seq: int = 123) -> str:
    """An 18-digit resident ID with a correct GB 11643 check character."""
    first17 = f"{region}{birth}{seq:03d}"
    weights = [2 ** (17 - i) % 11 for i in range(17)]
    remainder = sum(int(d) * w for d, w in zip(first17, weights)) % 11
    return first17 + "10X98765432"[remainder]


def make_id_ending_x(region: str = "610727", birth: str = "19880416") -> str:
    candidates = (make_id(region, birth, seq) for seq in range(1000))
    return next(number for number in candidates if number.endswith("X"))


def with_wrong_check(id_number: str) -> str:
    wrong = "0" if id_number[-1] != "0" else "1"
    return id_number[:17] + wrong


def luhn_complete(prefix: str, length: int) -> str:
    """`prefix` padded with 7s to `length` digits, the last one a Luhn check digit."""
    body = (prefix + "7" * length)[: length - 1]
    for check in "0123456789":
        number = body + check
        total = 0
        for i, ch in enumerate(reversed(number)):
            n = int(ch) * (2 if i % 2 else 1)
            total += n - 9 if n > 9 else n
        if total % 10 == 0:
            return number
    raise AssertionError("unreachable")


def luhn_broken(number: str) -> str:
    return number[:-1] + str((int(number[-1]) + 1) % 10)


def kinds(text: str, **kwargs) -> list[str]:
    return [f.kind for f in scan(text, **kwargs)]


def only(text: str, kind: str, **kwargs) -> Finding:
    findings = scan(text, **kwargs)
    assert [f.kind for f in findings] == [kind], findings
    return findings[0]


# --- resident ID numbers -----------------------------------------------------------

def test_id_number_with_valid_check_digit_is_masked_to_first3_last4():
    number = make_id("610727", "19850312", 217)
    text = f"犯罪嫌疑人何某某，身份证号码{number}，已被刑事拘留。"
    f = only(text, "id_number")
    assert f.text == number
    assert f.mask == number[:3] + "*" * 11 + number[-4:]
    assert f.message == "疑似居民身份证号码"
    assert f.label == "身份证号"
    assert text[f.start : f.end] == number


@pytest.mark.parametrize("transform", [str.upper, str.lower])
def test_id_number_ending_in_x_either_case(transform):
    number = transform(make_id_ending_x())
    f = only(f"身份证号{number}。", "id_number")
    assert f.text == number and f.mask.endswith(number[-4:])


def test_id_number_with_wrong_check_digit_is_still_personal_data():
    number = with_wrong_check(make_id("610727", "19910709", 128))
    f = only(f"当事人身份证号码{number}已登记。", "id_number")
    assert f.message == "疑似身份证号码（校验位不符）"


def test_shaanxi_id_with_wrong_check_digit_is_an_id_even_when_luhn_valid():
    # 61… numbers with a birth date inside are IDs; UnionPay cards start with 62.
    typos = (with_wrong_check(make_id("610727", "19910709", seq)) for seq in range(1000))
    number = next(n for n in typos if luhn_complete(n[:-1], 18) == n)
    assert only(f"此人号码{number}已登记。", "id_number").text == number


def test_id_shaped_number_labelled_as_an_account_is_a_bank_account():
    number = make_id("610727", "19850312", 217)
    assert kinds(f"收款账号：{number}") == ["bank_card"]


def test_old_15_digit_id_number():
    f = only("其旧版身份证号码为610727650312123。", "id_number")
    assert f.mask == "610********2123"
    assert "15位" in f.message


@pytest.mark.parametrize(
    "text",
    [
        "案件编号A6107270000002019120001已受理。",
        "受理编号：610727201912310001",  # region + date shaped, but labelled a case number
        "流水号123456789012345678",
        "序号990101198013010000",  # no such province, no such date
        "统一社会信用代码11610727016052321X",
    ],
)
def test_case_and_document_numbers_are_not_id_numbers(text):
    assert scan(text) == []


def test_full_width_digits_are_recognised():
    number = make_id("610702", "19781120", 415)
    full_width = number.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
    f = only(f"身份证号码：{full_width}", "id_number")
    assert f.text == full_width
    assert f.mask == full_width[:3] + "*" * 11 + full_width[-4:]


# --- telephone numbers -------------------------------------------------------------

@pytest.mark.parametrize(
    "written, mask",
    [
        ("13812345678", "138****5678"),
        ("138-1234-5678", "138-****-5678"),
        ("138 1234 5678", "138 **** 5678"),
        ("+86 138 1234 5678", "+86 138 **** 5678"),
        ("+8613812345678", "+86138****5678"),
    ],
)
def test_mobile_numbers_in_any_grouping(written, mask):
    f = only(f"报警人手机{written}，请回电。", "mobile")
    assert (f.text, f.mask, f.message, f.label) == (written, mask, "疑似手机号码", "手机号")


@pytest.mark.parametrize(
    "text, number, mask",
    [
        ("报警人李某（联系电话0916-4612345）称家中被盗。", "0916-4612345", "0916-***2345"),
        ("当事人的座机为（0916）4612345。", "（0916）4612345", "（0916）***2345"),
        ("当事人电话09164612345。", "09164612345", "0916***2345"),
        ("举报人联系方式：4623456", "4623456", "***3456"),
        ("受害人电话：029-88776655", "029-88776655", "029-****6655"),
    ],
)
def test_landlines(text, number, mask):
    f = only(text, "landline")
    assert (f.text, f.mask, f.label) == (number, mask, "固定电话")


def test_seven_digit_number_without_a_phone_word_is_not_a_landline():
    assert scan("本次行动共清理违法信息4612345条。") == []


@pytest.mark.parametrize(
    "text",
    [
        "略阳县公安局户政大厅咨询电话：0916-4821234。",
        "欢迎广大群众监督，监督电话：0916-4821234。",
        "如有线索，请与县公安局刑侦大队张警官联系，电话：13909161234。",
        "值班电话：4821110",
        "举报邮箱：lygaj2019@163.com",
    ],
)
def test_the_bureaus_published_contact_numbers_are_not_personal_data(text):
    assert scan(text) == []


def test_a_person_in_the_same_sentence_keeps_the_number_personal():
    assert kinds("派出所接到群众报警，报警电话158-2916-7788。") == ["mobile"]
    assert kinds("派出所民警联系了失主，电话：0916-4612345。") == ["landline"]


# --- bank cards ---------------------------------------------------------------------

def test_luhn_valid_card_number_keeps_first4_last4():
    card = luhn_complete("622202", 19)
    f = only(f"骗子要求将钱款转入银行卡{card}。", "bank_card")
    assert f.mask == card[:4] + "*" * 11 + card[-4:]
    assert f.label == "银行卡号"


def test_card_number_grouped_by_spaces():
    card = luhn_complete("621700", 16)
    grouped = " ".join(card[i : i + 4] for i in range(0, 16, 4))
    f = only(f"转入{grouped}后被骗。", "bank_card")
    assert f.text == grouped
    assert f.mask == f"{card[:4]} **** **** {card[-4:]}"


def test_luhn_invalid_number_without_a_label_is_not_a_card():
    assert scan(f"编码{luhn_broken(luhn_complete('622202', 16))}") == []


def test_labelled_account_is_flagged_even_when_not_luhn_valid():
    account = luhn_broken(luhn_complete("622848", 19))
    f = only(f"涉案账户：{account}", "bank_card")
    assert f.message == "疑似银行账号"


# --- licence plates -----------------------------------------------------------------

@pytest.mark.parametrize(
    "plate, mask",
    [
        ("陕C12345", "陕C***45"),
        ("陕C·D12345", "陕C·****45"),
        ("陕CD1234A", "陕C****4A"),
        ("陕C1234学", "陕C***4学"),
    ],
)
def test_licence_plates(plate, mask):
    f = only(f"驾驶人李某驾驶{plate}号车辆违停。", "plate")
    assert (f.text, f.mask, f.label) == (plate, mask, "车牌号")


@pytest.mark.parametrize(
    "text", ["驾驶人张某驾驶陕C·D1***号车辆。", "陕ICP备12345678号-1", "陕西公安、陕公交管"]
)
def test_masked_plates_and_registration_numbers_are_not_plates(text):
    assert scan(text) == []


# --- addresses ----------------------------------------------------------------------

@pytest.mark.parametrize(
    "text, number, mask",
    [
        (
            "被害人家住略阳县兴州街道办事处东渠院12号3单元402室。",
            "12号3单元402室",
            "**号*单元***室",
        ),
        ("受害人家住兴州街道南环路18号。", "18号", "**号"),
        ("家住某村3组的张某某报警。", "3组", "*组"),
        ("住址：白水江镇某村五组15号", "五组15号", "*组**号"),
        ("报警人称其家住某小区3-2-401。", "3-2-401", "*-*-***"),
    ],
)
def test_house_numbers(text, number, mask):
    f = only(text, "address")
    assert (f.text, f.mask, f.label) == (number, mask, "详细地址")
    assert apply_masks(text).count("*") == mask.count("*")


@pytest.mark.parametrize(
    "text",
    [
        "2019年12号文件已废止。",
        "根据〔2019〕12号文件精神。",
        "第3号公告已发布。",
        "略公(治)行罚决字〔2019〕12号",
        "县人民法院（2019）陕0727刑初12号判决书已生效。",
        "县医院3号楼、县道210线7号桥已完成检查。",
        "各村1组至5组均已完成排查。",
        "办公地址：县公安局户政大厅（兴州街道兴州路18号）。",
    ],
)
def test_document_numbers_and_public_addresses_are_not_house_numbers(text):
    assert scan(text) == []


# --- e-mail -------------------------------------------------------------------------

def test_email_keeps_first_letter_and_domain():
    f = only("当事人邮箱：wangxm@example.com", "email")
    assert f.mask == "w***@example.com"


def test_email_wins_over_the_mobile_number_inside_it():
    assert kinds("被害人的邮箱为13812345678@163.com。") == ["email"]


def test_government_mailbox_is_public():
    assert scan("来信请发送至lyxgaj@lueyang.gov.cn。") == []


# --- names --------------------------------------------------------------------------

@pytest.mark.parametrize(
    "text, name, mask",
    [
        ("犯罪嫌疑人王小明被依法刑事拘留。", "王小明", "王某某"),
        ("受害人刘德明称其手机被盗。", "刘德明", "刘某某"),
        ("驾驶人张伟驾驶车辆闯红灯。", "张伟", "张某某"),
        ("报警人：赵强。", "赵强", "赵某某"),
        ("当事人 刘洋 不服处罚。", "刘洋", "刘某某"),
        ("犯罪嫌疑人欧阳明已到案。", "欧阳明", "欧阳某某"),
        ("嫌疑人马小明被抓获。", "马小明", "马某某"),
        ("被害人陈小红（女，45岁）经抢救无效死亡。", "陈小红", "陈某某"),
        ("王小明（男，25岁）因寻衅滋事被行政拘留。", "王小明", "王某某"),
    ],
)
def test_full_names_after_role_words_or_with_sex_and_age(text, name, mask):
    f = only(text, "name")
    assert (f.text, f.mask, f.label) == (name, mask, "姓名")
    assert mask in f.message
    assert apply_masks(text) == text.replace(name, mask)


def test_a_pseudonym_is_not_a_real_name():
    assert scan("受害人王小明（化名）称其被骗5万元。") == []


def test_several_names_in_a_list():
    text = "犯罪嫌疑人王小明、李华和张强被抓获。"
    assert [f.text for f in scan(text)] == ["王小明", "李华", "张强"]
    assert apply_masks(text) == "犯罪嫌疑人王某某、李某某和张某某被抓获。"


@pytest.mark.parametrize(
    "text",
    [
        "犯罪嫌疑人王某某（男，24岁，陕西人）已被刑事拘留。",
        "犯罪嫌疑人余某亮、杨某某已于2019年11月被依法逮捕。",
        "嫌疑人已被刑事拘留。",
        "嫌疑人于当日下午被抓获。",
        "受害人向民警报案。",
        "当事人对处罚决定不服的，可以申请行政复议。",
        "当事人陈述、申辩的权利依法得到保障。",
        "驾驶人应当随身携带驾驶证。",
        "请广大驾驶人文明驾驶。",
        "驾驶人高速行驶时应保持车距。",
        "学生安全教育周活动如期举行。",
        "老人安全出行提示。",
        "失主钱包内有身份证一张。",
        "伤者苏醒后向民警讲述了经过。",
        "嫌疑人戴着口罩作案。",
        "嫌疑人曾经因盗窃被判刑。",
        "司机李师傅将钱包交到派出所。",
        "走失老人王大爷被民警送回家。",
        "户主姓名、与户主关系须如实填写。",
        "未成年人保护法明确规定不得披露未成年人的姓名。",
        "嫌疑人全部落网。",
    ],
)
def test_role_words_followed_by_ordinary_words_are_not_names(text):
    assert scan(text) == []


# Surnames that also begin ordinary words or are prepositions (于 向 高 马 石 田 方 白 常
# 万 时 文 司 关): what follows the candidate decides. A name is followed by a verb or a
# clause marker (报警、称、驾驶、被、因 …); the ordinary readings are known words.
@pytest.mark.parametrize(
    "text, name, mask",
    [
        ("受害人于小红报警称其手机被盗。", "于小红", "于某某"),
        ("受害人于洋被骗2万元。", "于洋", "于某某"),
        ("报警人于小红，女，32岁，略阳县人。", "于小红", "于某某"),
        ("受害人于小红的手机被盗。", "于小红", "于某某"),
        ("驾驶人高峰驾驶无牌摩托车被查处。", "高峰", "高某某"),
        ("犯罪嫌疑人高峰于11月20日被抓获。", "高峰", "高某某"),
        ("报警人向东称其车辆被划。", "向东", "向某某"),
        ("犯罪嫌疑人向阳已被刑事拘留。", "向阳", "向某某"),
        ("受害人马丽在超市购物时被盗。", "马丽", "马某某"),
        ("嫌疑人石磊因琐事与他人发生纠纷。", "石磊", "石某某"),
        ("被害人田甜遭人殴打致轻伤。", "田甜", "田某某"),
        ("当事人方芳向民警反映情况。", "方芳", "方某某"),
        ("失主白雪到派出所报案。", "白雪", "白某某"),
        ("死者常青系本县人。", "常青", "常某某"),
        ("违法嫌疑人万军伙同他人盗窃电缆。", "万军", "万某某"),
        ("受害人时小燕报警称被骗。", "时小燕", "时某某"),
        ("驾驶人文强驾驶货车超载。", "文强", "文某某"),
        ("犯罪嫌疑人关伟已被依法逮捕。", "关伟", "关某某"),
        ("当事人司小军称其钱包丢失。", "司小军", "司某某"),
    ],
)
def test_names_with_surnames_that_are_also_ordinary_words(text, name, mask):
    f = only(text, "name")
    assert (f.text, f.mask) == (name, mask)
    assert apply_masks(text) == text.replace(name, mask)


def test_an_ambiguous_surname_in_a_list_of_names():
    text = "犯罪嫌疑人高峰和李华被抓获。"
    assert [f.text for f in scan(text)] == ["高峰", "李华"]


@pytest.mark.parametrize(
    "text",
    [
        # 于 + date or time, place
        "受害人于11月20日报警称其被骗。",
        "嫌疑人于当日被抓获。",
        "受害人于今日上午报警。",
        "受害人于次日报案。",
        "受害人于今晨报警称家中被盗。",
        "嫌疑人于昨晚在家中被抓获。",
        "嫌疑人于凌晨在网吧被抓获。",
        "嫌疑人于家中被抓获。",
        "嫌疑人于宾馆被抓获。",
        "嫌疑人于县城被抓获。",
        "受害人于网上购物时被骗。",
        "嫌疑人于十二月被抓获。",
        # 向 + addressee or direction
        "当事人向民警反映情况。",
        "当事人向交警报警。",
        "受害人向家人称其被骗。",
        "受害人向银行反映。",
        "嫌疑人向警方投案自首。",
        "嫌疑人向他人借款。",
        "驾驶人向东行驶时与对向车辆相撞。",
        "嫌疑人向南逃窜。",
        # 高 马 石 田 方 白 常 万 时 文 司 关 + the rest of an ordinary word
        "驾驶人高速行驶时应保持车距。",
        "驾驶人高峰期驾驶车辆须谨慎。",
        "嫌疑人高价出售假冒商品。",
        "嫌疑人高空抛物被查处。",
        "男子高声向民警叫嚷。",
        "受害人马上报警。",
        "学生马路上追逐打闹很危险。",
        "嫌疑人石块砸车窗被抓获。",
        "老人田间劳作时被蛇咬伤。",
        "嫌疑人方某某已被刑事拘留。",
        "当事人方面称已和解。",
        "当事人白天在外务工。",
        "女子白皙的手臂上有伤痕。",
        "老人常年在外务工。",
        "受害人万元被骗后报警。",
        "受害人万余元被骗。",
        "被害人时年35岁。",
        "驾驶人时速超过120公里。",
        "嫌疑人时常在网吧上网。",
        "驾驶人文明驾驶。",
        "驾驶人单手驾驶被查处。",
        "嫌疑人关押在看守所。",
        "当事人司法鉴定已完成。",
    ],
)
def test_ordinary_words_after_role_words_are_not_names(text):
    assert scan(text) == []


# --- minors -------------------------------------------------------------------------

@pytest.mark.parametrize(
    "text, name, mask",
    [
        ("走失儿童小明（12岁）已被找到。", "小明", "小某"),
        ("学生李华，14岁，在放学途中受伤。", "李华", "李某某"),
        ("王小红（女，15岁）系某中学学生。", "王小红", "王某某"),
        ("年仅14岁的李小军不慎落水。", "李小军", "李某某"),
        ("未成年人张小兵因打架被训诫。", "张小兵", "张某某"),
        ("其子王小宝（十三岁）离家出走。", "王小宝", "王某某"),
    ],
)
def test_minors(text, name, mask):
    f = only(text, "minor")
    assert (f.text, f.mask, f.label) == (name, mask, "未成年人")
    assert "未成年人" in f.message


def test_already_masked_minor_is_fine():
    assert scan("张某某（15岁）因盗窃被训诫。") == []


# --- secrecy markers and staff words ------------------------------------------------

@pytest.mark.parametrize("word", ["机密", "绝密", "内部资料", "不得外传", "涉密"])
def test_secrecy_markers(word):
    f = only(f"（{word}）关于开展专项行动的通知", "sensitive_word")
    assert f.text == word
    assert f.message == f"含涉密标识词「{word}」，涉密内容不得公开"
    assert f.mask == "【请删除】"


def test_traditional_secrecy_marker_is_found_at_its_original_position():
    text = "本文件屬於機密，請勿轉發。"
    f = only(text, "sensitive_word")
    assert (f.text, f.start, f.end) == ("機密", 5, 7)
    assert f.message == "含涉密标识词「機密」，涉密内容不得公开"


@pytest.mark.parametrize(
    "text",
    [
        "凡是涉及国家机密、商业秘密、个人隐私的信息不予公开。",
        "坚持“涉密信息不上网，上网信息不涉密”的原则。",
        "民警通过秘密蹲守将嫌疑人抓获。",
        "盗窃是以非法占有为目的，秘密窃取公私财物的行为。",
        "内部控制制度和内部管理制度已修订。",
        "验证码是您的个人隐私，注意保密。",
    ],
)
def test_prose_about_secrecy_is_not_a_marker(text):
    assert scan(text) == []


def test_traditional_text_is_screened_and_masked_in_its_own_script():
    text = "犯罪嫌疑人陳小明已於12月5日被抓獲，家住某村3組。"
    assert [(f.kind, f.text) for f in scan(text)] == [("name", "陳小明"), ("address", "3組")]
    assert apply_masks(text) == "犯罪嫌疑人陳某某已於12月5日被抓獲，家住某村*組。"


def test_staff_words_are_plain_substrings_in_either_script():
    text = "本次行动代号为雷霆，行動地點在某村。"
    found = scan(text, sensitive_words=["雷霆", "行动地点"])
    assert [(f.text, f.kind) for f in found] == [
        ("雷霆", "sensitive_word"),
        ("行動地點", "sensitive_word"),
    ]
    assert found[0].message == "含本单位敏感词「雷霆」，不宜公开"
    assert kinds("代号雷霆", sensitive_words=["雷霆"]) == ["sensitive_word"]
    assert kinds("代號雷霆", sensitive_words=["代號"]) == ["sensitive_word"]


def test_a_single_string_is_refused_as_a_word_list():
    with pytest.raises(TypeError):
        scan("代号雷霆", sensitive_words="雷霆")


def test_a_staff_word_that_is_itself_a_benign_phrase_is_flagged():
    assert kinds("涉及国家秘密", sensitive_words=["国家秘密"]) == ["sensitive_word"]


def test_defaults_leave_out_bare_internal():
    assert "内部" not in DEFAULT_SENSITIVE_WORDS
    assert {"绝密", "机密", "秘密", "涉密", "内部资料", "不得外传"} <= set(DEFAULT_SENSITIVE_WORDS)


# --- clean text ---------------------------------------------------------------------

@pytest.mark.parametrize(
    "text",
    [
        "2019年12月31日14时30分，县公安局接110报警。",
        "日期：2019-12-31，20191231，2019.12.31，23:59:59。",
        "陕公通字〔2019〕5号、略公(治)行罚决字〔2019〕12号。",
        "案件编号A6107270000002019120001。",
        "居民身份证工本费40元，普通护照120元/本。",
        "公开行政处罚115条、各类警情2478条，同比下降12.5%。",
        "请拨打110、119、120、122、12110、12345、12389、96110，或使用交管12123。",
        "略阳县邮政编码724300。",
        "依据《治安管理处罚法》第十八条、第二十三条第一款第二项。",
        "详见 http://www.lueyang.gov.cn/zwgk/2019/6100660599147664.html 。",
        "详见www.lueyang.gov.cn/art/2019/12/31/art_123_45678.html",
        "该案涉案金额1580000元，已追回赃款936000元，挽回损失48.3万元。",
        "工作时间为工作日8:30-12:00、14:30-18:00。",
    ],
)
def test_clean_text_has_no_findings(text):
    assert scan(text) == []


def test_the_bureaus_2019_annual_report_scans_clean():
    assert SEED_REPORT.is_file(), f"seed report missing: {SEED_REPORT}"
    assert scan(SEED_REPORT.read_text(encoding="utf-8")) == []


def test_empty_text():
    assert scan("") == []
    assert apply_masks("") == ""


# --- masking, offsets ---------------------------------------------------------------

MIXED = (
    "犯罪嫌疑人王小明（身份证号{id}，手机138-1234-5678）将赃款存入{card}，"
    "驾驶陕C·D12345逃离，其家住兴州街道南环路18号，邮箱wxm@example.com。本件機密。"
)


def mixed_text() -> str:
    id_number = make_id("610727", "19930805", 36)
    return MIXED.format(id=id_number, card=luhn_complete("622848", 19))


def test_findings_are_sorted_non_overlapping_and_point_into_the_text():
    text = mixed_text()
    findings = scan(text)
    assert [f.kind for f in findings] == [
        "name", "id_number", "mobile", "bank_card",
        "plate", "address", "email", "sensitive_word",
    ]
    for before, after in zip(findings, findings[1:]):
        assert before.end <= after.start
    for f in findings:
        assert text[f.start : f.end] == f.text
        assert f.label == KIND_LABELS[f.kind]


def test_masking_round_trip_leaves_no_numbers_behind():
    masked = apply_masks(mixed_text())
    personal = {"id_number", "mobile", "bank_card", "name", "plate", "address", "email"}
    assert not personal & set(kinds(masked))
    assert "王某某" in masked and "138-****-5678" in masked and "【请删除】" in masked


def test_apply_masks_uses_given_findings_and_refuses_stale_ones():
    text = "犯罪嫌疑人王小明，手机13812345678。"
    findings = scan(text)
    assert apply_masks(text, findings[:1]) == "犯罪嫌疑人王某某，手机13812345678。"
    with pytest.raises(ValueError):
        apply_masks("犯罪嫌疑人李小明，手机13812345678。", findings)


def test_sensitive_words_passed_to_apply_masks():
    assert apply_masks("代号雷霆", sensitive_words=["雷霆"]) == "代号【请删除】"


# --- the labelled bench set ---------------------------------------------------------

def test_bench_set_catches_every_id_mobile_and_card_and_never_flags_clean_rows():
    spec = importlib.util.spec_from_file_location("privacy_eval", BENCH_SCRIPT)
    bench = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = bench  # dataclasses look their module up while building
    spec.loader.exec_module(bench)
    rows = bench.load_rows()
    assert len(rows) >= 60 and sum(not r.expected for r in rows) >= 25
    ev = bench.evaluate(rows)
    for kind in ("id_number", "mobile", "bank_card"):
        assert ev.recall(kind) == 1.0, bench.format_report(ev)
    assert ev.false_alarms == [], bench.format_report(ev)


def test_email_with_a_full_width_at_sign_is_found_and_masked():
    text = "联系邮箱abc＠qq.com"
    findings = scan(text)
    assert [f.kind for f in findings] == ["email"]
    assert "abc" not in apply_masks(text)


# --- separators and invisible characters -------------------------------------------

SEPARATED = make_id("610727", "19900101", 123)
ZERO_WIDTH = ("\u200b", "\u200c", "\u200d", "\ufeff", "\u2060")


def _full_width(text: str) -> str:
    return text.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789-"})


@pytest.mark.parametrize(
    "written",
    [
        f"{SEPARATED[:6]} {SEPARATED[6:14]} {SEPARATED[14:]}",
        f"{SEPARATED[:6]} {SEPARATED[6:10]} {SEPARATED[10:14]} {SEPARATED[14:]}",
        f"{SEPARATED[:6]}-{SEPARATED[6:14]}-{SEPARATED[14:]}",
        f"{SEPARATED[:6]}-{SEPARATED[6:10]}-{SEPARATED[10:14]}-{SEPARATED[14:]}",
        _full_width(f"{SEPARATED[:6]}-{SEPARATED[6:14]}-{SEPARATED[14:]}"),
        f"{SEPARATED[:6]}\u3000{SEPARATED[6:14]}\u3000{SEPARATED[14:]}",
        f"{SEPARATED[:6]}\u00a0{SEPARATED[6:14]}\u00a0{SEPARATED[14:]}",  # pasted from Word
    ],
)
def test_id_numbers_grouped_like_phone_and_card_numbers(written):
    text = f"当事人身份证号{written}，已登记。"
    f = only(text, "id_number")
    assert f.text == written and f.message == "疑似居民身份证号码"
    separators = [i for i, ch in enumerate(written) if not ch.isalnum()]
    digits = [i for i in range(len(written)) if i not in separators]
    assert [i for i, ch in enumerate(f.mask) if ch == "*"] == digits[3:-4]
    assert [f.mask[i] for i in separators] == [written[i] for i in separators]


def test_old_15_digit_id_number_grouped():
    f = only("旧版身份证号码 610727 650312 123。", "id_number")
    assert (f.text, f.mask) == ("610727 650312 123", "610*** *****2 123")


@pytest.mark.parametrize(
    "text",
    [
        "受理编号：610727-20191231-0001",  # region + date shaped, labelled a case number
        "有效期 2019.01.01-2029.01.01，邮编 724300。",
        "报名时间 20240101-20241231 共 366 天",
        "610727 199001 011231",  # grouped where no ID is grouped
        "编号 6107 2719 9001 0112 31",
    ],
)
def test_grouped_numbers_that_are_not_id_numbers(text):
    assert [f for f in scan(text) if f.kind == "id_number"] == []


@pytest.mark.parametrize("invisible", ZERO_WIDTH, ids=[f"U+{ord(c):04X}" for c in ZERO_WIDTH])
@pytest.mark.parametrize(
    "number, kind",
    [
        (SEPARATED, "id_number"),
        ("13812345678", "mobile"),
        (luhn_complete("622848", 19), "bank_card"),
    ],
)
def test_invisible_characters_inside_a_number_hide_nothing(invisible, number, kind):
    hidden = number[:5] + invisible + number[5:9] + invisible * 2 + number[9:]
    text = f"报警人（家住某村）号码{invisible}{hidden}。"
    f = only(text, kind)
    assert f.text == hidden and text[f.start : f.end] == hidden  # offsets in the original
    masked = apply_masks(text)
    assert invisible not in masked[f.start :] and number not in masked
    assert masked[: f.start] == text[: f.start]


def test_invisible_characters_hide_no_secrecy_marker_or_name():
    text = "犯罪嫌疑人王\u200b小明携带内部\u2060资料潜逃。"
    assert kinds(text) == ["name", "sensitive_word"]
    assert apply_masks(text) == "犯罪嫌疑人王某某携带【请删除】潜逃。"


def test_findings_after_invisible_characters_keep_their_offsets():
    text = "\ufeff\u200b说明：\u200b报警人电话13812345678，邮箱abc@example.com。"
    for f in scan(text):
        assert text[f.start : f.end] == f.text
    assert apply_masks(text) == "\ufeff\u200b说明：\u200b报警人电话138****5678，邮箱a***@example.com。"


# --- what a published article shows ------------------------------------------------

@pytest.mark.parametrize(
    "html, shown",
    [
        ("<p>1381234<strong>5678</strong></p>", "13812345678"),
        ("<p><span>1381234</span><span>5678</span></p>", "13812345678"),
        ("<p>61072719900&#49;011231 &amp; &lt;b&gt;</p>", "610727199001011231 & <b>"),
        ("<p>a\nb  c</p>\n<ul>\n<li>x</li>\n<li>y</li>\n</ul>", "a b c\nx\ny"),
        ("<p>段一</p><p>段二<br>行二</p>", "段一\n段二\n行二"),
        ('<p>图<img alt="电话 138&#49;2345678" src="https://mmbiz.qpic.cn/a" title="t">后</p>',
         "图\n后\n电话 13812345678\nt"),
        ("", ""),
    ],
)
def test_published_text_is_what_a_reader_sees(html, shown):
    assert published_text(html) == shown


# --- speed on hostile input --------------------------------------------------------

@pytest.mark.parametrize(
    "run",
    [
        "1" * 60_000, "1 " * 30_000, "1-" * 30_000, "a." * 30_000, "a1" * 30_000,
        "1\u200b" * 30_000,
    ],
    ids=["digits", "spaced", "hyphened", "dotted", "letters", "zero-width"],
)
def test_a_long_run_of_digits_or_letters_scans_in_linear_time(run):
    scan("预热")  # first use loads OpenCC's table
    assert _timed(scan, run) < 0.5


def _timed(func, *args) -> float:
    start = time.perf_counter()
    func(*args)
    return time.perf_counter() - start
