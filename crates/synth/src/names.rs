//! Plausible, unique Chinese company names (企业名称).
//!
//! A name follows the registered pattern 行政区划 + 字号 + 行业 + 组织形式, e.g.
//! 辛集市宏达皮革制品有限公司: a place (the county, its short form, 河北 or 石家庄), a
//! two-character trade name (字号) from auspicious characters, one of the cluster's
//! industry words and a legal form. Names must be unique across the roster; when the
//! two-character trade names of a crowded cluster run out (runs of 100,000+
//! enterprises), a third character is added, as registrars require in practice.

use std::collections::HashSet;

use crate::rng::Rng;

/// Characters common in trade names. All are in GBK, so every roster name can be
/// written in any encoding the data contract allows.
const TRADE_CHARS: [char; 64] = [
    '宏', '达', '华', '鑫', '盛', '兴', '源', '泰', '恒', '昌', '隆', '润', '丰', '瑞', '祥', '信',
    '诚', '德', '通', '远', '嘉', '鼎', '力', '新', '博', '金', '海', '天', '宇', '卓', '众', '合',
    '益', '永', '安', '康', '裕', '顺', '和', '中', '冀', '燕', '诺', '凯', '腾', '航', '正', '佳',
    '开', '明', '辉', '耀', '豪', '俊', '立', '创', '成', '汇', '聚', '亿', '晟', '森', '美', '福',
];

/// Legal forms with rough frequencies (most are limited companies).
const FORMS: [(&str, f64); 4] = [
    ("有限公司", 0.70),
    ("有限责任公司", 0.17),
    ("股份有限公司", 0.09),
    ("集团有限公司", 0.04),
];

/// Hands out unique names.
#[derive(Debug, Default)]
pub(crate) struct Namer {
    taken: HashSet<String>,
}

impl Namer {
    /// A new unique name for an enterprise of `county` (e.g. 辛集市) whose industry is
    /// described by one of `words` (e.g. 皮革制品).
    pub(crate) fn name(&mut self, rng: &mut Rng, county: &str, words: &[&str]) -> String {
        let short = short_county(county);
        for attempt in 0.. {
            let place = match rng.below(10) {
                0..=4 => county,
                5..=6 => short,
                7..=8 => "河北",
                _ => "石家庄",
            };
            // Two characters first; after a few collisions, three.
            let trade_len = if attempt < 12 { 2 } else { 3 };
            let mut name = String::with_capacity(48);
            name.push_str(place);
            let mut last = None;
            for _ in 0..trade_len {
                let mut c = *rng.pick(&TRADE_CHARS);
                while Some(c) == last {
                    c = *rng.pick(&TRADE_CHARS);
                }
                name.push(c);
                last = Some(c);
            }
            let word: &&str = rng.pick(words);
            name.push_str(word);
            name.push_str(legal_form(rng));
            if self.taken.insert(name.clone()) {
                return name;
            }
        }
        unreachable!("the loop returns once a name is free")
    }
}

fn legal_form(rng: &mut Rng) -> &'static str {
    let mut u = rng.uniform();
    for (form, share) in FORMS {
        if u < share {
            return form;
        }
        u -= share;
    }
    FORMS[0].0
}

/// 辛集市 → 辛集, 赵县 → 赵县 (a one-character county keeps its suffix).
fn short_county(county: &str) -> &str {
    let chars = county.chars().count();
    if chars > 2 {
        let cut = county
            .char_indices()
            .nth(chars - 1)
            .map_or(county.len(), |(i, _)| i);
        &county[..cut]
    } else {
        county
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_well_formed() {
        let mut namer = Namer::default();
        let mut rng = Rng::new(3);
        let names: Vec<String> = (0..5000)
            .map(|_| namer.name(&mut rng, "赞皇县", &["枣业", "食品"]))
            .collect();
        let unique: HashSet<&String> = names.iter().collect();
        assert_eq!(unique.len(), names.len());
        assert!(
            names
                .iter()
                .all(|n| n.ends_with("公司") && n.chars().count() <= 200)
        );
        assert_eq!(short_county("辛集市"), "辛集");
        assert_eq!(short_county("赵县"), "赵县");
    }
}
